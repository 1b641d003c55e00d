"""Intake use cases (SPEC §1): customer file, call register, reconciliation, progress."""
