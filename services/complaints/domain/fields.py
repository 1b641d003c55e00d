"""Decision fields a workflow step may ask for, and how their values are checked.

A workflow definition names its fields; each name resolves to a `FieldSpec`, first in the
definition's own `field_types`, then in `STANDARD_FIELDS`. Every step also takes the optional
fields `note` and `at` (CONTRACT: Complaints, step bodies).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from .common import to_money, to_utc
from .errors import DomainError

FieldKind = Literal["text", "bool", "money", "choice", "int", "date", "datetime"]

TEXT_MAX = 4000  # [choice] longest free-text answer kept on a step


class FaultCause(StrEnum):
    """Kinds of cause QA may record; human negligence is exempt from tracking (SPEC C9.7)."""

    HUMAN_NEGLIGENCE = "human_negligence"
    QUALITY_DEFECT = "quality_defect"
    PROCESS = "process"
    DESIGN = "design"
    MATERIAL = "material"
    SUPPLIER = "supplier"
    OTHER = "other"


class FieldSpec(BaseModel):
    """The type of one decision field; `choice` fields list their allowed values."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FieldKind
    choices: tuple[str, ...] = ()
    within_authority: bool = False  # money checked against the approval ceiling (C9.11)

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice field must list its choices")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"a {self.kind} field takes no choices")
        if self.within_authority and self.kind != "money":
            raise ValueError("within_authority applies to money fields only")
        return self


def _text() -> FieldSpec:
    return FieldSpec(kind="text")


STANDARD_FIELDS: dict[str, FieldSpec] = {
    "note": _text(),
    "at": FieldSpec(kind="datetime"),
    # manufacturer profile (CONTRACT step bodies, SPEC C9.4, C9.7)
    "cause": _text(),
    "cause_category": FieldSpec(kind="choice", choices=tuple(c.value for c in FaultCause)),
    "responsible_unit": _text(),
    "supplier": _text(),  # C9.13: a supplier is responsible; the GM office coordinates
    "investigated_at": FieldSpec(kind="datetime"),  # C9.3: QA reports within 3 days of it
    "rnd_required": FieldSpec(kind="bool"),
    "countermeasure": _text(),
    "opinion": _text(),
    "handling": FieldSpec(kind="choice", choices=("allowance", "return", "reprocess", "not_valid")),
    "amount": FieldSpec(kind="money", within_authority=True),
    "return_quantity": FieldSpec(kind="int"),
    "summary": _text(),
    "loss_amount": FieldSpec(kind="money"),
    "improvement_tracking": FieldSpec(kind="bool"),
    "approved": FieldSpec(kind="bool"),
    # retail profile (SPEC R2)
    "sales_slip_no": _text(),
    "borrowed_gifts": _text(),
    # service profile (SPEC Q26, Q28)
    "outcome": _text(),
    "visited_by": _text(),
    "visited_on": FieldSpec(kind="date"),
    "letter_ref": _text(),
    "channel": FieldSpec(kind="choice", choices=("written", "phone")),
}

COMMON_OPTIONAL: tuple[str, ...] = ("note", "at")


def coerce(name: str, spec: FieldSpec, value: Any, *, rule: str) -> Any:
    """Check one field's value against its spec and return it normalised (SPEC §8)."""
    if spec.kind == "money":
        return to_money(value, rule=rule, field=name)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise DomainError(rule, name, "must be true or false")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError(rule, name, "must be a whole number")
        if value < 0:
            raise DomainError(rule, name, "must not be negative")
        return value
    if spec.kind == "datetime":
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise DomainError(rule, name, "must be an ISO 8601 date-time") from None
        return to_utc(value, rule=rule, field=name)
    if spec.kind == "date":
        return _to_date(name, value, rule=rule)
    if not isinstance(value, str):
        raise DomainError(rule, name, "must be text")
    text = value.strip()
    if spec.kind == "choice":
        if text not in spec.choices:
            raise DomainError(rule, name, f"must be one of {', '.join(spec.choices)}")
        return text
    if not text:
        raise DomainError(rule, name, "must not be empty")
    if len(text) > TEXT_MAX:
        raise DomainError(rule, name, f"is longer than {TEXT_MAX} characters")
    return text


def _to_date(name: str, value: Any, *, rule: str) -> date:
    if isinstance(value, datetime):
        raise DomainError(rule, name, "must be a date, not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DomainError(rule, name, "must be a date YYYY-MM-DD")
