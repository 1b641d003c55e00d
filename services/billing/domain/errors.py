"""Errors raised by the billing domain rules: the shared refusal (``shared.rules``), so the
HTTP layer answers 422 naming the rule and the offending field (SPEC §8)."""

from __future__ import annotations

from shared.rules import RuleBroken


class DomainError(RuleBroken):
    """A business rule refused the input (SPEC §8: the error names the field or rule)."""

    def __init__(self, *, rule: str, field: str | None, message: str) -> None:
        super().__init__(message, field=field, rule=rule)

    def as_detail(self) -> dict[str, str | None]:
        """The error as a JSON-ready ``detail`` body (SPEC §8)."""
        return {"rule": self.rule, "field": self.field, "message": self.message}
