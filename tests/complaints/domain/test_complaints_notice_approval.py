"""SPEC P3b (GM approval, HR publication), P8b (notice approval, rewards), P6b (to the
company): the pure rules."""

from decimal import Decimal

import pytest

from services.complaints.domain.notices import (
    APPROVED,
    DEDUCTIONS_ACCRUE_TO,
    DRAFT,
    PUBLISHED,
    DecidedPenalty,
    DecidedReward,
    check_approvable,
    check_copies_may_go,
    notices,
)
from services.complaints.domain.penalty_decisions import (
    PETITIONED,
    check_admin_approvable,
    check_hr_publishable,
    reward_decision,
)
from shared.rules import RuleBroken, WrongState


def test_p8b_a_draft_notice_sends_no_copies_until_the_gm_approves() -> None:
    with pytest.raises(WrongState) as refused:
        check_copies_may_go(DRAFT)
    assert refused.value.rule == "P8b"
    check_copies_may_go(APPROVED)
    with pytest.raises(WrongState):
        check_copies_may_go(PUBLISHED)  # once


def test_p8b_only_a_draft_is_approved() -> None:
    check_approvable(DRAFT)
    for status in (APPROVED, PUBLISHED):
        with pytest.raises(WrongState):
            check_approvable(status)


def test_p8b_rewards_on_the_same_notice_not_netted_against_penalties() -> None:
    found = notices("2026-11", [
        DecidedPenalty("E1", "export", Decimal("400.00"), "261103", kind="administrative"),
    ], rewards=[
        DecidedReward("E1", "export", Decimal("300.00"), None, "root cause found", 1),
        DecidedReward("E2", "repairs", None, "commendation", "praised", 2),
    ])
    by = {n.person_id: n for n in found}
    assert (by["E1"].amount, by["E1"].reward_amount) == (Decimal("400.00"), Decimal("300.00"))
    assert (by["E2"].amount, by["E2"].reward_amount) == (Decimal("0"), Decimal("0"))
    assert by["E2"].rewards[0].commendation == "commendation"


def test_p8b_a_reward_says_why_and_gives_money_or_a_commendation() -> None:
    r = reward_decision(person_id="E1", department="sales", unit="export",
                        reason=" root cause ", amount="300")
    assert (r.amount, r.reason) == (Decimal("300.00"), "root cause")
    for bad in ({"reason": " "}, {"amount": None}, {"amount": "0"}, {"amount": "-5"}):
        args = {"reason": "why", "amount": "300", **bad}
        with pytest.raises(RuleBroken) as refused:
            reward_decision(person_id="E1", department="sales", unit="export", **args)
        assert refused.value.rule == "P8b"


def test_p3b_the_gm_approves_an_administrative_petition_once() -> None:
    check_admin_approvable("administrative", PETITIONED, True)
    cases = (("economic", PETITIONED, True), ("administrative", APPROVED, True),
             ("administrative", PETITIONED, False))
    for kind, status, effective in cases:
        with pytest.raises(WrongState) as refused:
            check_admin_approvable(kind, status, effective)
        assert refused.value.rule == "P3b"


def test_p3b_hr_publishes_only_an_approved_administrative_penalty_once() -> None:
    check_hr_publishable("administrative", APPROVED, False)
    cases = (("administrative", PETITIONED, False), ("administrative", APPROVED, True),
             ("economic", APPROVED, False))
    for kind, status, published in cases:
        with pytest.raises(WrongState) as refused:
            check_hr_publishable(kind, status, published)
        assert refused.value.rule == "P3b"


def test_p6b_deducted_amounts_go_to_the_company() -> None:
    assert DEDUCTIONS_ACCRUE_TO == "company"
