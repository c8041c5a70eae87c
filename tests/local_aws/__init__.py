"""Tests of the local AWS (emulator/local_aws)."""
