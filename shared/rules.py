"""The one family of refusals every layer raises: pure rules, use cases and plumbing.

Each names the SPEC rule it enforces and, where there is one, the offending field
(SPEC §8). The HTTP layer answers each with its ``status_code`` and the body of
:meth:`Refusal.body` (``shared.errors.install_error_handlers``), so no service translates
them by hand. There is one constructor signature: ``Kind(message, field=..., rule=...)``.

| class | status | meaning |
|---|---|---|
| ``RuleBroken`` | 422 | the input breaks a rule |
| ``WrongState`` | 409 | the record is not in a state that allows this |
| ``NotFound`` | 404 | the record named does not exist (or is not the caller's to see) |
| ``Forbidden`` | 403 | the caller may not do this to this record |
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


class NotFound(Refusal):
    """The record does not exist, or lies outside the caller's branch (404)."""

    status_code = 404


class Forbidden(Refusal):
    """The caller's role or identity may not do this to this record (403)."""

    status_code = 403
