"""Benchmarks: `make bench` (python -m bench) runs them all and prints the tables for bench/README.md."""
