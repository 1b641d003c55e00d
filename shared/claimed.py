"""Claimed times: a time a client says something happened, kept beside the time the
server received it (SPEC CT1, docs/rules.md "Claimed times").

Deadlines judge people (S19 arrival, C10 case time, C14 reminders), so a time a client
types must not move a deadline away. Every client-supplied time (a call's
``received_at``, an arrival's or a complaint step's ``at``, a payment's ``paid_at``, a
work-log date) is accepted through :func:`accept_claim`:

- not in the future (beyond the device clock skew of ``shared.fields``);
- within the **window** before receipt, accepted as it is: a clerk keys the morning's
  letters in the afternoon, a technician's phone syncs after a dead spot. The window is
  configured per branch (``claim_windows`` in the branches file), with a longer one for
  a technician's offline device (``device``) than for entries keyed at a desk (``desk``);
  head office's complaint steps use ``AFTERSALES_CLAIM_WINDOW_HOURS``;
- older than the window: refused (422 naming the field, rule CT1) unless the request
  carries a reason **and** is made by a role that may approve a back-dated entry (a
  supervisor or the branch manager in a branch; the GM office at head office). The
  approver and the reason are then stored with the entry, and reports show it as
  back-dated.

Pure: no I/O, no clock of its own.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .rules import RuleBroken

RULE = "CT1"
# [choice] Nothing this system records happened before 2000 (no appliance sold then is
# still under any cover).
EARLIEST = date(2000, 1, 1)
# How far a device's clock may run ahead of the server's before its time is refused.
CLOCK_SKEW = timedelta(minutes=5)
# [choice] A desk entry may be keyed up to one working shift after the fact; a
# technician's phone may be offline over a weekend.
DEFAULT_DESK_WINDOW = timedelta(hours=8)
DEFAULT_DEVICE_WINDOW = timedelta(hours=72)
# Who may record an entry older than the window (their role approves it).
BRANCH_APPROVERS = frozenset({"supervisor", "branch_manager"})
HEAD_OFFICE_APPROVERS = frozenset({"gm_office", "vice_gm", "gm"})


@dataclass(frozen=True)
class ClaimWindows:
    """How far before receipt a claimed time is taken as it is."""

    desk: timedelta = DEFAULT_DESK_WINDOW
    device: timedelta = DEFAULT_DEVICE_WINDOW

    @classmethod
    def from_config(cls, raw: dict[str, Any] | None) -> ClaimWindows:
        raw = raw or {}
        desk = float(raw.get("desk_hours", DEFAULT_DESK_WINDOW / timedelta(hours=1)))
        device = float(raw.get("device_hours", DEFAULT_DEVICE_WINDOW / timedelta(hours=1)))
        if desk < 0 or device < 0:
            raise ValueError("claim windows must not be negative")
        return cls(desk=timedelta(hours=desk), device=timedelta(hours=device))


@dataclass(frozen=True)
class Claim:
    """A claimed time as accepted: what the client said, when the server heard it, and,
    for an entry older than the window, who approved it and why."""

    at: datetime
    received_at: datetime
    backdate_reason: str | None = None
    backdate_approved_by: str | None = None

    @property
    def backdated(self) -> bool:
        """Recorded later than its window allows, on an approver's authority."""
        return self.backdate_approved_by is not None

    @property
    def delay(self) -> timedelta:
        """How long after the claimed time the entry reached the server (never < 0)."""
        return max(self.received_at - self.at, timedelta(0))


def accept_claim(
    claimed: datetime | None,
    *,
    now: datetime,
    window: timedelta,
    field: str,
    actor_role: str,
    actor_id: str,
    reason: str | None = None,
    approvers: Collection[str] = BRANCH_APPROVERS,
    not_before: datetime | None = None,
    what: str = "the time",
) -> Claim:
    """Accept ``claimed`` (None: now) received at ``now``, or refuse it (422, CT1).

    ``not_before`` is the earliest the event can have happened (the call's receipt for
    an arrival, the step's start for a complaint step); a claim before it is refused
    whatever the approval, because it cannot be true.
    """
    if claimed is None:
        return Claim(at=now, received_at=now)
    if claimed > now + CLOCK_SKEW:
        raise RuleBroken(f"{what} {claimed.isoformat()} lies in the future", field=field,
                         rule=RULE)
    if claimed.date() < EARLIEST:
        raise RuleBroken(f"{what} is before {EARLIEST.isoformat()}", field=field, rule=RULE)
    if not_before is not None and claimed < not_before:
        raise RuleBroken(f"{what} {claimed.isoformat()} is before {not_before.isoformat()}, "
                         "when this could first have happened", field=field, rule=RULE)
    at = min(claimed, now)  # a device a little ahead of the server is read as now
    if now - at <= window:
        return Claim(at=at, received_at=now)
    hours = window / timedelta(hours=1)
    if actor_role not in approvers:
        raise RuleBroken(
            f"{what} is more than {hours:g} hours before it was recorded; an entry that late "
            f"must be recorded by a {' or '.join(sorted(approvers))}, with a reason",
            field=field, rule=RULE)
    if not (reason or "").strip():
        raise RuleBroken(
            f"{what} is more than {hours:g} hours before it was recorded; give the reason "
            "(backdate_reason) for recording it late", field="backdate_reason", rule=RULE)
    return Claim(at=at, received_at=now, backdate_reason=reason.strip(),
                 backdate_approved_by=actor_id)


def accept_claimed_day(
    day: date | None,
    *,
    now: datetime,
    zone: ZoneInfo,
    window: timedelta,
    field: str,
    actor_role: str,
    actor_id: str,
    reason: str | None = None,
    approvers: Collection[str] = BRANCH_APPROVERS,
    what: str = "the date",
) -> Claim:
    """A claimed local date (a work-log day): judged by the end of that day in ``zone``,
    so work logged for today or the window's span of earlier days needs no approval."""
    if day is None:
        return Claim(at=now, received_at=now)
    if day > now.astimezone(zone).date():
        raise RuleBroken(f"{what} {day.isoformat()} lies in the future", field=field,
                         rule=RULE)
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), zone) - timedelta(
        microseconds=1)
    claim = accept_claim(min(end_of_day, now), now=now, window=window, field=field,
                         actor_role=actor_role, actor_id=actor_id, reason=reason,
                         approvers=approvers, what=what)
    return claim
