"""What a new complaint must carry, and what its closed form's copies say (C9.1, C9.2, C5, C9.8).

Invariants: a filing carries the data its profile requires (C9.1 for the manufacturer's
sales: order, part, ship date, quantity); the defective quantity may stay undetermined
while the customer is still processing, but never exceeds the quantity; a joint on-site
inspection (C9.2) happens before the form is filed; the classification is one the profile
takes (C5; R1 adds service problems).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from shared.rules import RuleBroken

from .case_state import CaseState
from .common import check_market, to_utc
from .workflow import WorkflowDef

MAX_CLOCK_SKEW = timedelta(minutes=5)  # a filing "received" later than this is a wrong clock


@dataclass(frozen=True, slots=True)
class Filing:
    """A complaint as sales (or a counter) files it (SPEC C9.1)."""

    market: str
    classification: str
    customer: str
    demand: str
    received_at: datetime
    order_no: str | None = None
    part_no: str | None = None
    ship_date: date | None = None
    quantity: int | None = None
    defective_quantity: int | None = None
    joint_inspection_on: date | None = None
    severity: str | None = None


SEVERITIES: tuple[str, ...] = ("serious", "general")  # Q26


def check_filing(defn: WorkflowDef, filing: Filing, *, now: datetime, tz: tzinfo) -> None:
    """Refuse a filing that lacks what its profile needs; errors name field and rule (C9.1)."""
    check_market(filing.market, rule="C10")
    if filing.classification not in defn.classifications:
        rule = "R1" if filing.classification == "service" else "C5"
        raise RuleBroken(
            f"profile {defn.profile} takes {', '.join(defn.classifications)}",
            field="classification", rule=rule,
        )
    for name in defn.filing_fields:
        if getattr(filing, name) is None:
            raise RuleBroken(
                f"is required to file a {defn.profile} complaint", field=name,
                rule="Q26" if name == "severity" else "C9.1",
            )
    if filing.severity is not None and filing.severity not in SEVERITIES:
        raise RuleBroken(f"must be one of {', '.join(SEVERITIES)}", field="severity",
                         rule="Q26")
    received = to_utc(filing.received_at, rule="C9.1", field="received_at")
    if received > to_utc(now, rule="C9.1", field="now") + MAX_CLOCK_SKEW:
        raise RuleBroken(
            "a complaint cannot be received in the future", field="received_at", rule="C9.1",
        )
    if filing.quantity is not None and filing.quantity < 1:
        raise RuleBroken("must be at least 1", field="quantity", rule="C9.1")
    if filing.defective_quantity is not None:
        if filing.defective_quantity < 0:
            raise RuleBroken("must not be negative", field="defective_quantity", rule="C9.1")
        if filing.quantity is not None and filing.defective_quantity > filing.quantity:
            raise RuleBroken(
                "exceeds the quantity shipped", field="defective_quantity", rule="C9.1",
            )
    received_on = received.astimezone(tz).date()
    if filing.ship_date is not None and filing.ship_date > received_on:
        raise RuleBroken("is after the complaint was received", field="ship_date", rule="C9.1")
    if filing.joint_inspection_on is not None and filing.joint_inspection_on > received_on:
        raise RuleBroken(
            "a joint inspection happens before the form is filed",
            field="joint_inspection_on", rule="C9.2",
        )


def copy_quantity(case: CaseState) -> int | None:
    """The quantity on the copies: for a return or a reprocess (goods come back either
    way, C13.1(2)), the agreed or else defective one (C9.8)."""
    if case.fact("handling") not in ("return", "reprocess"):
        return None
    agreed = case.fact("return_quantity")
    return agreed if agreed is not None else case.attributes.get("defective_quantity")


@dataclass(frozen=True, slots=True)
class Copy:
    """One copy of the closed complaint form (SPEC C9.8)."""

    recipient: str
    handling: str | None
    amount: str | None
    quantity: int | None
    responsible_unit: str | None


def settled_amount(case: CaseState) -> Any:
    """The amount the copies carry: what was carried out, which never exceeds what was
    approved (C9.11); without an approval step, the amount decided within authority."""
    amount: Any = case.fact("amount")
    approved = case.fact("approved_amount")
    if approved is not None and (amount is None or Decimal(str(amount)) > Decimal(str(approved))):
        return approved
    return amount


def closing_copies(defn: WorkflowDef, case: CaseState) -> list[Copy]:
    """The copies of a closed form, one per recipient the profile names (SPEC C9.8); the
    amount is the approved (or carried-out, never more) one (C9.11)."""
    amount: Any = settled_amount(case)
    return [
        Copy(
            recipient=recipient,
            handling=case.fact("handling"),
            amount=None if amount is None else str(amount),
            quantity=copy_quantity(case),
            responsible_unit=case.fact("responsible_unit"),
        )
        for recipient in defn.copies_to
    ]
