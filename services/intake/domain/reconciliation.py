"""Morning reconciliation of the register against vouchers (SPEC S18).

Each working morning, at the branch's first working moment, the clerks compare the
register with the vouchers: every call registered before that day and still not
dispatched goes to the supervisor flagged for priority dispatch.

Invariants:
- Pure: the calendar decides the moment, nothing here reads a clock.
- A call is flagged once; a call that was dispatched, cancelled or completed is not.
- Reconciling a day that has not begun in the branch is refused: it would flag that
  day's own calls before the day was over.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from shared.calendar import WorkingCalendar
from shared.rules import RuleBroken

from .call_state import CallStatus

_TICK = timedelta(microseconds=1)


def first_working_moment(calendar: WorkingCalendar, day: date) -> datetime:
    """The first working instant at or after local midnight of ``day`` (UTC).

    On a day off this is the next working day's opening.
    """
    midnight = datetime.combine(day, time(0), tzinfo=calendar.tz)
    return calendar.add_working_hours(midnight, _TICK) - _TICK


def due_day(calendar: WorkingCalendar, now: datetime) -> date | None:
    """The local day whose reconciliation is due at ``now``, or None (day off, too early)."""
    today = now.astimezone(calendar.tz).date()
    opening = first_working_moment(calendar, today)
    if opening.astimezone(calendar.tz).date() != today or now < opening:
        return None
    return today


def next_due(calendar: WorkingCalendar, now: datetime, last_done: date | None) -> datetime:
    """S18: when the next reconciliation falls due, given the last day already done."""
    today = now.astimezone(calendar.tz).date()
    start = today if last_done is None or last_done < today else last_done + timedelta(days=1)
    return first_working_moment(calendar, start)


def needs_priority(
    *, status: CallStatus | str, registered_on: date, day: date, already_priority: bool
) -> bool:
    """S18: a call still undispatched from an earlier day goes to the supervisor as priority."""
    return (
        not already_priority
        and CallStatus(status) is CallStatus.REGISTERED
        and registered_on < day
    )


def late_at_registration(*, received_on: date, today: date) -> bool:
    """S18: a call received before the branch's current day and only now registered was
    not dispatched on its day, so it is priority from the moment it is registered, not
    from the next morning's reconciliation."""
    return received_on < today


def late_registration_reason(received_on: date) -> str:
    """The note the supervisor sees on the board for such a call."""
    return f"received on {received_on.isoformat()}, registered later (S18)"


def check_day(day: date, today: date) -> None:
    """S18: a day is reconciled on its morning or later, never ahead of time."""
    if day > today:
        raise RuleBroken(
            f"{day} has not begun in the branch (today is {today})", rule="S18", field="date"
        )


def priority_reason(registered_on: date) -> str:
    """The note the supervisor sees on the board."""
    return f"not dispatched on {registered_on.isoformat()} (S18 morning reconciliation)"
