"""Refusals a pure rule raises, shared by every service's domain (no I/O, no web).

Each names the SPEC rule it enforces and, where there is one, the offending field
(SPEC §8). The HTTP layer answers ``RuleBroken`` with 422 and ``WrongState`` with 409
(``shared.errors.install_error_handlers``), so no service translates them by hand.
"""

from __future__ import annotations


class Refusal(Exception):
    """A request the rules refuse; ``status_code`` is how HTTP answers it."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def body(self) -> dict[str, str | None]:
        """The JSON error body: ``detail`` names field and rule, both also given apart."""
        prefix = f"{self.field}: " if self.field else ""
        suffix = f" (SPEC {self.rule})" if self.rule else ""
        return {"detail": f"{prefix}{self.message}{suffix}", "field": self.field, "rule": self.rule}


class RuleBroken(Refusal):
    """The input breaks a rule (422)."""


class WrongState(Refusal):
    """The record is not in a state that allows this (409)."""

    status_code = 409
