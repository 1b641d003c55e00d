"""Dispatch use cases (SPEC §2): the board, visits, the workshop, daily reports."""
