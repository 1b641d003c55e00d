"""Decision fields a workflow step may ask for, and how their values are checked.

A workflow definition names its fields; each name resolves to a `FieldSpec`, first in the
definition's own `field_types`, then in `STANDARD_FIELDS`. Every step also takes the optional
fields `note` and `at` (CONTRACT: Complaints, step bodies), and `backdate_reason` for an
`at` older than the claim window (SPEC CT1).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from shared.money import parse_money
from shared.rules import RuleBroken

from .common import to_utc

FieldKind = Literal["text", "bool", "money", "choice", "int", "date", "datetime"]

TEXT_MAX = 4000  # [choice] longest free-text answer kept on a step
# The same edges as ``shared.fields`` (which pure rules cannot import: it carries FastAPI's
# path type): integers within the databases' INTEGER range; nothing before 2000 happened
# in this system, and nothing beyond year 9000 is a plausible date (SPEC §8, issue 11).
INT_MAX = 2**31 - 1
EARLIEST = date(2000, 1, 1)
LATEST_YEAR = 9000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    "backdate_reason": _text(),  # SPEC CT1: why `at` is recorded later than its window
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
    # SPEC C9.4b / C9.5: a review that sends the work back (false) without approving money
    "accepted": FieldSpec(kind="bool"),
    "comment": _text(),  # C9.4b: the manager's office's comment (送經理室批示)
    "customer_answer": _text(),  # C9.5: the customer's answer to the proposed handling
    # SPEC C7.4: manufacturing's production details, read by P5's smallest group unit
    "production_unit": _text(),
    "machine_or_shift": _text(),
    "production_staff": _text(),
    "production_date": FieldSpec(kind="date"),
    # SPEC C9.2b: the joint inspection; without QA, the GM assigns someone who reports
    "qa_attended": FieldSpec(kind="bool"),
    "manufacturing_attendee": _text(),
    "inspection_report": _text(),
    "assigned_to": _text(),
    "inspected_on": FieldSpec(kind="date"),
    # retail profile (SPEC R2)
    "sales_slip_no": _text(),
    "borrowed_gifts": _text(),
    # SPEC R2b: a refund's conditions, recorded as the handling is decided
    "customer_present": FieldSpec(kind="bool"),
    "staff_present": FieldSpec(kind="choice", choices=("counter", "counter_lead")),
    "invoice_collected": FieldSpec(kind="bool"),
    # service profile (SPEC Q26, Q28)
    "outcome": _text(),
    "visited_by": _text(),
    "visited_on": FieldSpec(kind="date"),
    "letter_ref": _text(),
    "channel": FieldSpec(kind="choice", choices=("written", "phone")),
}

COMMON_OPTIONAL: tuple[str, ...] = ("note", "at", "backdate_reason")


def coerce(name: str, spec: FieldSpec, value: Any, *, rule: str) -> Any:
    """Check one field's value against its spec and return it normalised (SPEC §8)."""
    if spec.kind == "money":
        return parse_money(value, field=name, rule=rule)
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise RuleBroken("must be true or false", field=name, rule=rule)
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise RuleBroken("must be a whole number", field=name, rule=rule)
        if value < 0:
            raise RuleBroken("must not be negative", field=name, rule=rule)
        if value > INT_MAX:
            raise RuleBroken(f"must be at most {INT_MAX}", field=name, rule=rule)
        return value
    if spec.kind == "datetime":
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise RuleBroken("must be an ISO 8601 date-time", field=name, rule=rule) from None
        if isinstance(value, datetime):
            _plausible(name, value.date(), rule=rule)
        return to_utc(value, rule=rule, field=name)
    if spec.kind == "date":
        return _plausible(name, _to_date(name, value, rule=rule), rule=rule)
    if not isinstance(value, str):
        raise RuleBroken("must be text", field=name, rule=rule)
    if _CONTROL.search(value):
        raise RuleBroken("must not contain control characters", field=name, rule=rule)
    text = value.strip()
    if spec.kind == "choice":
        if text not in spec.choices:
            raise RuleBroken(f"must be one of {', '.join(spec.choices)}", field=name, rule=rule)
        return text
    if not text:
        raise RuleBroken("must not be empty", field=name, rule=rule)
    if len(text) > TEXT_MAX:
        raise RuleBroken(f"is longer than {TEXT_MAX} characters", field=name, rule=rule)
    return text


def _plausible(name: str, day: date, *, rule: str) -> date:
    """A date within the plausible window (checked before any zone arithmetic overflows)."""
    if day < EARLIEST:
        raise RuleBroken(f"must not be before {EARLIEST.isoformat()}", field=name, rule=rule)
    if day.year > LATEST_YEAR:
        raise RuleBroken("is not a plausible date", field=name, rule=rule)
    return day


def _to_date(name: str, value: Any, *, rule: str) -> date:
    if isinstance(value, datetime):
        raise RuleBroken("must be a date, not a date-time", field=name, rule=rule)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleBroken("must be a date YYYY-MM-DD", field=name, rule=rule)
