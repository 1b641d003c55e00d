"""Errors raised by the complaints domain; each names the SPEC rule it enforces.

`DomainError` is bad input (the API maps it to 422), `ConflictError` is a request that
does not fit the case's current state (409). Neither is a subclass of the other, so a
handler can catch them in any order.
"""

from __future__ import annotations


class RuleError(Exception):
    """Base of the domain's errors: a SPEC rule ID, the offending field and a message."""

    def __init__(self, rule: str, field: str | None, message: str) -> None:
        super().__init__(f"[{rule}] {field + ': ' if field else ''}{message}")
        self.rule = rule
        self.field = field
        self.message = message

    @property
    def detail(self) -> dict[str, str | None]:
        """The error as an HTTP `detail` body (CONTRACT: names the field or rule)."""
        return {"rule": self.rule, "field": self.field, "message": self.message}


class DomainError(RuleError):
    """Input breaks a SPEC rule: missing field, bad value, amount beyond authority."""


class ConflictError(RuleError):
    """The request does not fit the case's state, e.g. completing a step that is not current."""
