"""Refusals raised by dispatch's pure rules; the service layer maps them to 409/422.

Each names the SPEC rule it enforces and, where there is one, the offending field
(SPEC §8: bad input gets a clear error naming the field).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request."""

    def __init__(self, message: str, *, rule: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.field = field


class RuleBroken(DomainError):
    """The input breaks a rule (answered 422)."""


class WrongState(DomainError):
    """The record is not in a state that allows this (answered 409)."""
