"""Carry-in repairs: pick-up receipt, repair card, inspection, return (SPEC S11–S14).

Invariants:
- A repair card takes work (labour, parts) until the supervisor inspects it (S12).
- Only an inspected card is returned, against the customer's own pick-up receipt,
  which is then voided (S12); a card is returned once.
- A repair is overdue from the end of its promised day in the branch's zone (S14).
- A technician asks the supervisor for help on an open repair before its promised day
  ends (S14b); once it has ended, the escalation has already reached the supervisor.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.rules import RuleBroken, WrongState


class CardStatus(StrEnum):
    OPEN = "open"
    INSPECTED = "inspected"
    RETURNED = "returned"


def repair_card_no(branch: str, seq: int) -> str:
    """S11: the repair card hung on the product."""
    return f"{branch}-RC{seq:06d}"


def pickup_receipt_no(branch: str, seq: int) -> str:
    """S11: the receipt the customer keeps until the product comes back."""
    return f"{branch}-PR{seq:06d}"


def overdue_at(promised_on: date, timezone: str) -> datetime:
    """S14: the end of the promised day in the branch's zone."""
    return datetime.combine(promised_on + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))


def overdue_as_of(
    *, due_at: datetime, returned_at: datetime | None, as_of: datetime
) -> bool:
    """S14: at ``as_of`` the repair was past its promised date and not yet returned."""
    return due_at <= as_of and (returned_at is None or returned_at > as_of)


def check_work(status: str, minutes: int, parts: int) -> None:
    """S12: labour and parts go on the card while it is being repaired."""
    if status != CardStatus.OPEN:
        raise WrongState(f"the repair card is {status}; work is logged before inspection",
                         rule="S12", field="status")
    if minutes <= 0 and parts == 0:
        raise RuleBroken("log labour minutes or parts", rule="S12", field="minutes")


def check_inspection(status: str, work_entries: int) -> None:
    """S12: the supervisor inspects a repaired product, once."""
    if status != CardStatus.OPEN:
        raise WrongState(f"the repair card is already {status}", rule="S12", field="status")
    if work_entries == 0:
        raise WrongState("no repair work is logged on the card yet", rule="S12",
                         field="status")


def check_return(status: str, *, receipt_no: str, presented: str) -> None:
    """S12: an inspected product goes back against its pick-up receipt."""
    if status == CardStatus.RETURNED:
        raise WrongState("the product was already returned", rule="S12", field="status")
    if status != CardStatus.INSPECTED:
        raise WrongState("the product goes back only after the supervisor's inspection",
                         rule="S12", field="status")
    if presented.strip() != receipt_no:
        raise RuleBroken(f"{presented!r} is not this repair's pick-up receipt", rule="S12",
                         field="pickup_receipt_no")


def check_help_request(status: str, *, due_at: datetime, now: datetime) -> None:
    """S14b: help is asked on a repair still being worked, before its promised day ends."""
    if status != CardStatus.OPEN:
        raise WrongState(f"the repair card is {status}; help is asked while it is repaired",
                         rule="S14b", field="status")
    if now >= due_at:
        raise WrongState("the promised date has passed; the repair is already escalated",
                         rule="S14b", field="promised_on")
