"""Penalty decisions on a closed complaint, party by party (SPEC P2–P5, C9.7).

The GM office apportions the loss among the responsible parties by the judged ratios (P2);
P5 says who bears each share: a person (individual fault) or a unit (the smallest group
unit, else the section; the department). A decision names the bearer by reference only:
billing prices it from its staff register (P6 over the unit's base points, P3 per base
point or the whole month's bonus), so nobody here supplies members, points or bonuses.

An administrative penalty is the GM office's petition to the responsible department until
the GM approves it (SPEC P3b); only then is it priced and noticed, and HR publishes it
(人事公布單). A reward (獎, SPEC P8b) names a person, an amount or a commendation, and why.

Invariants: the economic decisions of one apportionment sum exactly to the loss; a case
has at most one effective decision per kind and party (`party_key`); a correction names
the decision it supersedes, of the same case and kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from shared.money import parse_money
from shared.rules import RuleBroken, WrongState

from .penalties import Department, PenaltyGround, apportion, attribute, check_admin_amount

Kind = Literal["economic", "administrative"]


@dataclass(frozen=True, slots=True)
class Party:
    """One responsible party of a loss with its judged ratio (SPEC P2, P5)."""

    department: str
    unit: str
    ratio: Decimal | str | int
    group: str | None = None
    individual: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """One decision for one bearer, as recorded and sent to billing (SPEC P2–P5)."""

    kind: Kind
    department: str
    unit: str  # the bearing unit, or the person's unit for an individual
    person_id: str | None
    bearer_level: str
    loss_share: Decimal | None = None
    level: str | None = None
    ground: str | None = None
    amount: Decimal | None = None

    @property
    def bearer(self) -> str:
        """Who bears it: the person, else the unit (SPEC P5)."""
        return self.person_id or self.unit

    @property
    def party_key(self) -> str:
        """One effective decision per case, kind and this key (SPEC P2 [choice])."""
        return f"person:{self.person_id}" if self.person_id else f"unit:{self.unit}"


def economic_decisions(loss: Decimal | str | int, parties: Sequence[Party]) -> list[Decision]:
    """Apportion a loss (P2) and name who bears each share (P5), by reference."""
    if not parties:
        raise RuleBroken("name at least one responsible party", field="parties", rule="P2")
    amount = parse_money(loss, field="loss", rule="P1")
    shares = apportion(amount, {str(i): p.ratio for i, p in enumerate(parties)})
    found: list[Decision] = []
    for i, party in enumerate(parties):
        who = attribute(party.department, party.group, party.individual, unit_name=party.unit)
        decision = Decision(
            kind="economic", department=who.department.value,
            unit=party.unit if who.level == "individual" else who.bearer,
            person_id=who.bearer if who.level == "individual" else None,
            bearer_level=who.level, loss_share=shares[str(i)],
        )
        if any(d.party_key == decision.party_key for d in found):
            raise RuleBroken("the same party is named twice", field=f"parties.{i}", rule="P2")
        found.append(decision)
    return found


def administrative_decision(
    *, person_id: str, department: str, unit: str, level: str, ground: str,
    decided: Decimal | str | int | None = None,
) -> Decision:
    """An administrative penalty on one person for one of the 15 grounds (SPEC P3, P4, P5)."""
    try:
        reason = PenaltyGround(ground)
    except ValueError:
        raise RuleBroken("must be one of the 15 grounds of P4", field="ground", rule="P4") from None
    try:
        dept = Department(department)
    except ValueError:
        raise RuleBroken(
            f"must be one of {', '.join(Department)}", field="department", rule="P5",
        ) from None
    amount = check_admin_amount(level, decided)
    return Decision(
        kind="administrative", department=dept.value, unit=unit, person_id=person_id,
        bearer_level="individual", level=level, ground=reason.value, amount=amount,
    )


def check_supersession(
    *, kind: str, old_kind: str, old_case_no: str, case_no: str, old_superseded: bool,
    reason: str | None,
) -> None:
    """A correction names an effective decision of the same case and kind, and says why."""
    rule = "P2" if kind == "economic" else "P3"
    if old_case_no != case_no or old_kind != kind:
        raise RuleBroken(f"is not a {kind} decision of this case", field="supersedes",
                         rule=rule)
    if old_superseded:
        raise WrongState("that decision is already superseded", field="supersedes", rule=rule)
    if not reason or not reason.strip():
        raise RuleBroken("say why the decision is corrected", field="reason", rule=rule)


PETITIONED, APPROVED = "petitioned", "approved"  # SPEC P3b


def check_admin_approvable(kind: str, status: str, effective: bool) -> None:
    """The GM approves an administrative petition still in force, once (SPEC P3b)."""
    if kind != "administrative":
        raise WrongState("only an administrative penalty awaits the GM", field="decision_id",
                         rule="P3b")
    if not effective:
        raise WrongState("that decision is superseded", field="decision_id", rule="P3b")
    if status != PETITIONED:
        raise WrongState(f"the decision is already {status}", field="decision_id",
                         rule="P3b")


def check_hr_publishable(kind: str, status: str, published: bool) -> None:
    """HR publishes an administrative penalty once the GM has approved it (SPEC P3b)."""
    if kind != "administrative":
        raise WrongState("HR publishes administrative penalties", field="decision_id",
                         rule="P3b")
    if status != APPROVED:
        raise WrongState("the GM approves the penalty before HR publishes it",
                         field="decision_id", rule="P3b")
    if published:
        raise WrongState("HR has already published it", field="decision_id", rule="P3b")


@dataclass(frozen=True, slots=True)
class RewardDecision:
    """A reward (獎) for one person: an amount, a commendation, or both (SPEC P8b)."""

    person_id: str
    department: str
    unit: str
    amount: Decimal | None
    commendation: str | None
    reason: str


def reward_decision(
    *, person_id: str, department: str, unit: str, reason: str,
    amount: Decimal | str | int | None = None, commendation: str | None = None,
) -> RewardDecision:
    """Check a reward: it says why, and gives money or a commendation (SPEC P8b)."""
    if not reason or not reason.strip():
        raise RuleBroken("say why the reward is given", field="reason", rule="P8b")
    money = None if amount is None else parse_money(amount, field="amount", rule="P8b")
    if money is not None and money <= 0:
        raise RuleBroken("must be positive", field="amount", rule="P8b")
    words = commendation.strip() if commendation else None
    if money is None and not words:
        raise RuleBroken("give an amount or a commendation", field="amount", rule="P8b")
    return RewardDecision(person_id=person_id, department=department, unit=unit,
                          amount=money, commendation=words, reason=reason.strip())
