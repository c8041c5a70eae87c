"""Runs Lambda handlers locally: each function in its own worker processes, with exactly the
environment its deployment gives it, so a crash or a hang is isolated and a cold start is real."""
