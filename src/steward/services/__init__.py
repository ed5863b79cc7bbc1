"""Use cases. The only layer that starts and commits transactions (through the unit of work)."""
