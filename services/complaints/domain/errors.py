"""Errors raised by the complaints domain; each names the SPEC rule it enforces.

`DomainError` is bad input (answered 422), `ConflictError` is a request that does not fit
the case's current state (409); both are the shared refusals of ``shared.rules``, so the
HTTP layer answers them without a translation here. Neither is a subclass of the other.
"""

from __future__ import annotations

from shared.rules import Refusal, RuleBroken, WrongState


class RuleError(Refusal):
    """Base of the domain's errors: a SPEC rule ID, the offending field and a message."""

    def __init__(self, rule: str, field: str | None, message: str) -> None:
        super().__init__(message, field=field, rule=rule)

    @property
    def detail(self) -> dict[str, str | None]:
        """The error as an HTTP `detail` body (CONTRACT: names the field or rule)."""
        return {"rule": self.rule, "field": self.field, "message": self.message}


class DomainError(RuleError, RuleBroken):
    """Input breaks a SPEC rule: missing field, bad value, amount beyond authority (422)."""


class ConflictError(RuleError, WrongState):
    """The request does not fit the case's state, e.g. completing a step that is not current
    (409)."""
