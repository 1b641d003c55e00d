"""Errors raised by the billing domain rules.

Every rejection names the SPEC rule it enforces and, where there is one, the offending
input field, so the API layer can answer 4xx with a ``detail`` naming both (SPEC §8).
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the input (SPEC §8: the error names the field or rule)."""

    def __init__(self, *, rule: str, field: str | None, message: str) -> None:
        super().__init__(f"{rule}: {field}: {message}" if field else f"{rule}: {message}")
        self.rule = rule
        self.field = field
        self.message = message

    def as_detail(self) -> dict[str, str | None]:
        """The error as a JSON-ready ``detail`` body (SPEC §8)."""
        return {"rule": self.rule, "field": self.field, "message": self.message}
