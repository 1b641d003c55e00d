"""Loss and penalty decisions after a complaint (SPEC P1–P5, C9.7).

Invariants: every amount is Decimal to the cent; an apportioned loss sums exactly to the
loss, no share is negative, and the rounding remainder goes to the largest share (P2).
Pricing against the staff register (P3 per base point and whole bonus, P6, P7) is
billing's; this module only decides.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Literal

from shared.money import CENT, ZERO, parse_money
from shared.rules import RuleBroken

from .fields import FaultCause

WARNING_MIN = Decimal("400.00")  # P3: a warning deducts at least 400
# P3: a minor demerit deducts at least 800 per base point (billing prices it, it has the
# register); complaints only refuses what cannot be a deduction at all.
MINOR_PER_BASE = Decimal("800.00")


def resale_window_end(returned_on: date) -> date:
    """The last day of the one-month resale window for returned goods (SPEC P1)."""
    year, month = divmod(returned_on.month, 12)
    year, month = returned_on.year + year, month + 1
    day = min(returned_on.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def returned_goods_loss(
    *,
    a_grade_price: Decimal | str | int,
    resale_price: Decimal | str | int | None = None,
    actual_loss: Decimal | str | int | None = None,
    returned_on: date,
    sold_on: date | None = None,
) -> Decimal:
    """Loss on returned goods: resold within a month → shortfall on A-grade, else actual (P1)."""
    a_grade = parse_money(a_grade_price, field="a_grade_price", rule="P1")
    if sold_on is not None and sold_on < returned_on:
        raise RuleBroken("cannot be before the goods came back", field="sold_on", rule="P1")
    if sold_on is not None and sold_on <= resale_window_end(returned_on):
        if resale_price is None:
            raise RuleBroken(
                "is required when the goods were resold", field="resale_price", rule="P1",
            )
        resale = parse_money(resale_price, field="resale_price", rule="P1")
        return max(a_grade - resale, ZERO)
    if actual_loss is None:
        raise RuleBroken(
            "is required when not resold within a month", field="actual_loss", rule="P1",
        )
    return parse_money(actual_loss, field="actual_loss", rule="P1")


def _ratio(unit: str, value: object) -> Fraction:
    if isinstance(value, bool | float):
        raise RuleBroken("give the ratio as a decimal string", field=f"shares.{unit}", rule="P2")
    try:
        ratio = Fraction(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        raise RuleBroken(f"{value!r} is not a ratio", field=f"shares.{unit}", rule="P2") from None
    if ratio < 0:
        raise RuleBroken("must not be negative", field=f"shares.{unit}", rule="P2")
    return ratio


def apportion(
    loss: Decimal | str | int, shares: Mapping[str, Decimal | str | int]
) -> dict[str, Decimal]:
    """Split a loss by judged ratios to the cent; one party bears it all (SPEC P2).

    Ratios are normalised ({A: 3, B: 1} equals {A: 0.75, B: 0.25}); each share is rounded
    down to the cent and the remaining cents go to the largest share (ties: unit name).
    """
    cents = int(parse_money(loss, field="loss", rule="P2") * 100)
    if not shares:
        raise RuleBroken("name at least one responsible party", field="shares", rule="P2")
    ratios = {unit: _ratio(unit, value) for unit, value in shares.items()}
    total = sum(ratios.values(), Fraction(0))
    if total == 0:
        raise RuleBroken("at least one ratio must be positive", field="shares", rule="P2")
    parts = {unit: int(cents * r / total) for unit, r in ratios.items()}
    largest = min(ratios, key=lambda unit: (-ratios[unit], unit))
    parts[largest] += cents - sum(parts.values())
    return {unit: (Decimal(p) * CENT).quantize(CENT) for unit, p in parts.items()}


class AdminPenalty(StrEnum):
    """Administrative penalty levels (SPEC P3)."""

    WARNING = "warning"
    MINOR_DEMERIT = "minor_demerit"
    MAJOR_DEMERIT = "major_demerit"  # major demerit or worse


def check_admin_amount(
    level: AdminPenalty | str, decided: Decimal | str | int | None = None
) -> Decimal | None:
    """The amount a decision states, if P3 lets it state one (SPEC P3).

    A warning deducts at least 400 (none stated: 400). A minor demerit deducts at least
    800 per base point: the base points are billing's register, so billing raises a stated
    amount to that minimum (none stated: the minimum). A major demerit takes the whole
    month's bonus, which billing knows: it states no amount.
    """
    try:
        penalty = AdminPenalty(level)
    except ValueError:
        raise RuleBroken(
            f"must be one of {', '.join(AdminPenalty)}", field="level", rule="P3",
        ) from None
    if penalty is AdminPenalty.MAJOR_DEMERIT:
        if decided is not None:
            raise RuleBroken(
                "a major demerit takes the whole month's bonus; state no amount",
                field="amount", rule="P3",
            )
        return None
    amount = None if decided is None else parse_money(decided, field="amount", rule="P3")
    if penalty is AdminPenalty.WARNING:
        if amount is not None and amount < WARNING_MIN:
            raise RuleBroken(f"a warning deducts at least {WARNING_MIN}", field="amount",
                             rule="P3")
        return WARNING_MIN if amount is None else amount
    if amount is not None and amount <= 0:
        raise RuleBroken("must be positive", field="amount", rule="P3")
    return amount


class PenaltyGround(StrEnum):
    """The 15 grounds for an administrative penalty, 行政處罰準則 (四) (SPEC P4)."""

    DOCUMENT_OR_SAMPLE_ERROR = "document_or_sample_error"
    FINANCIAL_ERROR = "financial_error"
    PRODUCTION_SPEC_NOT_FOLLOWED = "production_spec_not_followed"
    REJECTS_MIXED_INTO_STOCK = "rejects_mixed_into_stock"
    OVER_SHIPMENT_WITHOUT_CONSENT = "over_shipment_without_consent"
    PRODUCTION_DATA_CUT = "production_data_cut"
    SPECIAL_REQUIREMENT_NOT_PASSED_ON = "special_requirement_not_passed_on"
    ORDER_ENTRY_ERROR = "order_entry_error"
    LATE_DELIVERY = "late_delivery"
    WRONG_SHIPMENT = "wrong_shipment"
    DELIVERY_NOTE_ERROR = "delivery_note_error"
    STORAGE_OR_TRANSPORT_DAMAGE = "storage_or_transport_damage"
    MARKING_NOT_TO_SPEC = "marking_not_to_spec"
    INSPECTION_DATA_MISMATCH = "inspection_data_mismatch"
    OTHER = "other"

    @property
    def clause(self) -> int:
        """The ground's number in the seed's list (1–15)."""
        return list(PenaltyGround).index(self) + 1

    @property
    def wording(self) -> str:
        """The seed's wording in English."""
        return _GROUND_WORDING[self]


_GROUND_WORDING: dict[PenaltyGround, str] = {
    PenaltyGround.DOCUMENT_OR_SAMPLE_ERROR: "Complaint caused by document or sample errors",
    PenaltyGround.FINANCIAL_ERROR: "Complaint caused by financial errors",
    PenaltyGround.PRODUCTION_SPEC_NOT_FOLLOWED: "Materials not used per the production spec",
    PenaltyGround.REJECTS_MIXED_INTO_STOCK: "Rejected goods mixed into stock with good goods",
    PenaltyGround.OVER_SHIPMENT_WITHOUT_CONSENT: "Over-shipment without the customer's consent",
    PenaltyGround.PRODUCTION_DATA_CUT: "Production data cut without authority",
    PenaltyGround.SPECIAL_REQUIREMENT_NOT_PASSED_ON: "Special quality requirements not passed on",
    PenaltyGround.ORDER_ENTRY_ERROR: "Order entry errors",
    PenaltyGround.LATE_DELIVERY: "Late delivery",
    PenaltyGround.WRONG_SHIPMENT: "Wrong shipment",
    PenaltyGround.DELIVERY_NOTE_ERROR: "Delivery-note errors causing wrong shipment",
    PenaltyGround.STORAGE_OR_TRANSPORT_DAMAGE: "Improper storage or transport problems",
    PenaltyGround.MARKING_NOT_TO_SPEC: "Outer marking not to spec",
    PenaltyGround.INSPECTION_DATA_MISMATCH: "Inspection data mismatch",
    PenaltyGround.OTHER: "Other",
}


class Department(StrEnum):
    """Departments that bear complaint penalties (SPEC P5)."""

    MANUFACTURING = "manufacturing"
    SALES = "sales"
    SERVICE = "service"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who bears a complaint's penalty and at what level (SPEC P5)."""

    department: Department
    level: Literal["group", "section", "individual", "department"]
    bearer: str


def attribute(
    department: Department | str,
    smallest_group: str | None = None,
    individual: str | None = None,
    *,
    unit_name: str | None = None,
) -> Attribution:
    """Manufacturing → smallest group, else the section; sales/service → person, else dept (P5)."""
    try:
        dept = Department(department)
    except ValueError:
        raise RuleBroken(
            f"must be one of {', '.join(Department)}", field="department", rule="P5",
        ) from None
    whole = unit_name or dept.value
    if dept is Department.MANUFACTURING:
        if smallest_group:
            return Attribution(dept, "group", smallest_group)
        return Attribution(dept, "section", whole)
    if individual:
        return Attribution(dept, "individual", individual)
    return Attribution(dept, "department", whole)


def improvement_tracking_required(cause: FaultCause | str) -> bool:
    """Whether the fix must be tracked; human negligence is exempt (SPEC C9.7)."""
    try:
        return FaultCause(cause) is not FaultCause.HUMAN_NEGLIGENCE
    except ValueError:
        raise RuleBroken(f"unknown cause {cause!r}", field="cause_category", rule="C9.7") from None
