"""The case domain as plain Python: lifecycle and the working-day calendar (no I/O, no clock)."""
