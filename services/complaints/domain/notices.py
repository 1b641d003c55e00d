"""Monthly penalty notices (獎罰通知單) (SPEC P8).

By the 10th of each month the GM office publishes last month's penalty decisions: one
notice per bearer (a person, or a unit that bears a loss share, P5), in three copies
(issuer, accounting, the penalised department). Superseded decisions are not noticed.
A month can be published from the 1st of the following month; on the 10th it must be.

The notice is drafted first and goes out only once the GM has approved it (SPEC P8b):
draft → approved → published; its three copies are sent on publication, never before.
The same notice lists the person's rewards (獎) beside the penalties; a reward is not a
deduction (``amount`` stays the penalties' sum, ``reward_amount`` is apart). What is
deducted goes to the company (SPEC P6b): no one is credited with it.

Invariant: a notice sums the person's decisions of that month exactly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from decimal import Decimal

from shared.money import ZERO
from shared.rules import RuleBroken, WrongState

from .common import to_utc
from .statistics import parse_month, statistics_due_on

RULE = "P8"
NOTICE_COPIES: tuple[str, ...] = ("gm_office", "accounting")  # + the penalised department
DEDUCTIONS_ACCRUE_TO = "company"  # SPEC P6b: 罰扣金額歸屬公司
DRAFT, APPROVED, PUBLISHED = "draft", "approved", "published"  # SPEC P8b


@dataclass(frozen=True, slots=True)
class DecidedPenalty:
    """One person's line of one decision, as the notice needs it (SPEC P8)."""

    person_id: str
    unit: str
    amount: Decimal
    case_no: str | None
    kind: str = "economic"  # "economic" (P2, P5) | "administrative" (P3)
    decision_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecidedReward:
    """One reward of the month for one person, as the notice lists it (SPEC P8b)."""

    person_id: str
    unit: str
    amount: Decimal | None
    commendation: str | None
    reason: str
    reward_id: int | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    """One person's notice for a month (SPEC P8)."""

    notice_no: str
    month: str
    person_id: str
    unit: str
    amount: Decimal
    case_nos: tuple[str, ...]
    economic: Decimal = ZERO
    administrative: Decimal = ZERO
    decision_ids: tuple[int, ...] = ()
    reward_amount: Decimal = ZERO
    rewards: tuple[DecidedReward, ...] = ()


def check_approvable(status: str) -> None:
    """Only a draft is approved by the GM (SPEC P8b)."""
    if status != DRAFT:
        raise WrongState(f"the notice is already {status}", field="notice_no", rule="P8b")


def check_copies_may_go(status: str) -> None:
    """The three copies go out only after the GM's approval, and once (SPEC P8b)."""
    if status == DRAFT:
        raise WrongState("the GM approves the notice before its copies go out",
                         field="notice_no", rule="P8b")
    if status != APPROVED:
        raise WrongState(f"the notice is already {status}", field="notice_no", rule="P8b")


def month_of(at: datetime, tz: tzinfo) -> str:
    """The `YYYY-MM` a decision belongs to, read in the company's zone (SPEC P8)."""
    local = to_utc(at, rule=RULE, field="decided_at").astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _next_month_day(month: str, day: int, tz: tzinfo) -> datetime:
    due = statistics_due_on(month).replace(day=day)
    return datetime.combine(due, time(0), tzinfo=tz).astimezone(UTC)


def publishable_from(month: str, tz: tzinfo) -> datetime:
    """The month's notices may be published from the 1st of the next month (SPEC P8)."""
    parse_month(month)
    return _next_month_day(month, 1, tz)


def publication_due(month: str, tz: tzinfo) -> datetime:
    """The month's notices are due on the 10th of the next month, 00:00 local (SPEC P8)."""
    return _next_month_day(month, 10, tz)


def check_publishable(month: str, now: datetime, tz: tzinfo) -> None:
    """Refuse publishing a month that is not over yet (SPEC P8)."""
    if to_utc(now, rule=RULE, field="now") < publishable_from(month, tz):
        raise WrongState(f"{month} is not over yet", field="month", rule=RULE)


def notices(
    month: str, lines: Iterable[DecidedPenalty], *, first_serial: int = 1,
    rewards: Iterable[DecidedReward] = (),
) -> list[Notice]:
    """One notice per person: their decisions of the month summed, by kind too (SPEC P8),
    and their rewards listed beside them, summed apart (SPEC P8b)."""
    year, mon = parse_month(month)
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    units: dict[str, str] = {}
    cases: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, list[int]] = defaultdict(list)
    granted: dict[str, list[DecidedReward]] = defaultdict(list)
    for line in lines:
        if line.kind not in ("economic", "administrative"):
            raise RuleBroken(f"unknown penalty kind {line.kind!r}", field="kind", rule=RULE)
        sums[line.person_id][line.kind] += line.amount
        units.setdefault(line.person_id, line.unit)
        if line.case_no:
            cases[line.person_id].add(line.case_no)
        if line.decision_id is not None:
            ids[line.person_id].append(line.decision_id)
    for reward in rewards:
        granted[reward.person_id].append(reward)
        units.setdefault(reward.person_id, reward.unit)
    people = sorted(set(sums) | set(granted))
    return [
        Notice(
            notice_no=f"PN{year % 100:02d}{mon:02d}-{n:03d}", month=month, person_id=person,
            unit=units[person],
            amount=sums[person]["economic"] + sums[person]["administrative"],
            case_nos=tuple(sorted(cases[person])), economic=sums[person]["economic"],
            administrative=sums[person]["administrative"],
            decision_ids=tuple(ids[person]),
            reward_amount=sum((r.amount or ZERO for r in granted[person]), ZERO),
            rewards=tuple(granted[person]),
        )
        for n, person in enumerate(people, start=first_serial)
    ]
