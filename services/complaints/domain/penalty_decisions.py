"""Penalty decisions on a closed complaint, person by person (SPEC P2–P5, C9.7).

The GM office apportions the loss among the responsible parties by the judged ratios (P2).
Each party's share goes to whom P5 attributes it: an individual bears it whole; a group,
section or department spreads it over its members by base points (P6's formula, so the
notice billing receives already names people and amounts). Administrative penalties (P3)
are per person and name one of the 15 grounds (P4).

Invariant: the economic lines of a decision sum exactly to the loss, to the cent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from shared.money import CENT, parse_money
from shared.rules import RuleBroken

from .penalties import Department, PenaltyGround, admin_penalty_amount, apportion, attribute

Kind = Literal["economic", "administrative"]


@dataclass(frozen=True, slots=True)
class Member:
    """A person of a responsible unit and their base points (基點數) (SPEC P5, P6)."""

    person_id: str
    base_points: Decimal


@dataclass(frozen=True, slots=True)
class Party:
    """One responsible party of a loss with its judged ratio (SPEC P2, P5)."""

    department: str
    unit: str
    ratio: Decimal | str | int
    group: str | None = None
    individual: str | None = None
    members: tuple[Member, ...] = ()


@dataclass(frozen=True, slots=True)
class PenaltyLine:
    """What one person bears from one decision (SPEC P2, P3, P5)."""

    kind: Kind
    person_id: str
    unit: str
    amount: Decimal
    bearer: str
    bearer_level: str
    ground: str | None = None
    level: str | None = None


def split_by_base_points(
    amount: Decimal, members: Sequence[Member], *, field: str
) -> dict[str, Decimal]:
    """A unit's share over its members by base points, summing exactly (SPEC P5, P6)."""
    if not members:
        raise RuleBroken("a unit bears this share: list its members", field=field, rule="P5")
    points: dict[str, Fraction] = {}
    for i, member in enumerate(members):
        value = parse_money(member.base_points, field=f"{field}.{i}.base_points", rule="P6")
        if member.person_id in points:
            raise RuleBroken("is listed twice", field=f"{field}.{i}.person_id", rule="P6")
        points[member.person_id] = Fraction(value)
    total = sum(points.values(), Fraction(0))
    if total <= 0:
        raise RuleBroken("the members have no base points", field=field, rule="P6")
    cents = int(amount / CENT)
    parts = {p: int(cents * w / total) for p, w in points.items()}
    holders = sorted((p for p in points if points[p] > 0), key=lambda p: (-points[p], p))
    for person in holders[: cents - sum(parts.values())]:
        parts[person] += 1
    return {p: (Decimal(c) * CENT).quantize(CENT) for p, c in parts.items()}


def economic_lines(loss: Decimal | str | int, parties: Sequence[Party]) -> list[PenaltyLine]:
    """Apportion a loss (P2) and attribute each share (P5) down to people (P6)."""
    if not parties:
        raise RuleBroken("name at least one responsible party", field="parties", rule="P2")
    amount = parse_money(loss, field="loss", rule="P1")
    shares = apportion(amount, {str(i): p.ratio for i, p in enumerate(parties)})
    lines: list[PenaltyLine] = []
    for i, party in enumerate(parties):
        who = attribute(party.department, party.group, party.individual, unit_name=party.unit)
        share = shares[str(i)]
        if who.level == "individual":
            people = {who.bearer: share}
        else:
            people = split_by_base_points(share, party.members, field=f"parties.{i}.members")
        lines.extend(
            PenaltyLine(
                kind="economic", person_id=person, unit=party.unit, amount=value,
                bearer=who.bearer, bearer_level=who.level,
            )
            for person, value in people.items()
            if value > 0
        )
    return lines


def administrative_line(
    *, person_id: str, department: str, unit: str, level: str, ground: str,
    base_points: Decimal | str | int, monthly_bonus: Decimal | str | int,
    decided: Decimal | str | int | None = None,
) -> PenaltyLine:
    """An administrative penalty on one person for one of the 15 grounds (SPEC P3, P4, P5)."""
    try:
        reason = PenaltyGround(ground)
    except ValueError:
        raise RuleBroken("must be one of the 15 grounds of P4", field="ground", rule="P4") from None
    try:
        Department(department)
    except ValueError:
        raise RuleBroken(
            f"must be one of {', '.join(Department)}", field="department", rule="P5",
        ) from None
    amount = admin_penalty_amount(level, base_points, monthly_bonus, decided=decided)
    return PenaltyLine(
        kind="administrative", person_id=person_id, unit=unit, amount=amount,
        bearer=person_id, bearer_level="individual", ground=reason.value, level=level,
    )
