"""SPEC Q24–Q26 pure rules of a card: sending time, assignment, levels, complaints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.survey.domain import cards as domain
from shared.branches import load_branches
from shared.rules import RuleBroken, WrongState

T0 = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)


def test_q24_cards_go_out_the_branch_next_morning() -> None:
    assert domain.send_due_at(date(2026, 3, 13), ZoneInfo("Asia/Shanghai")) == datetime(
        2026, 3, 14, 1, 0, tzinfo=UTC)


def test_q24_register_day_is_the_branch_local_date() -> None:
    # The register day is the branch's local date (shared.branches.Branch.local_date).
    shanghai = load_branches(None)["SC01"]
    assert shanghai.timezone == "Asia/Shanghai"
    in_utc = dataclasses.replace(shanghai, timezone="UTC")
    late = datetime(2026, 3, 13, 16, 30, tzinfo=UTC)  # 00:30 next day in Shanghai
    assert shanghai.local_date(late) == date(2026, 3, 14)
    assert in_utc.local_date(late) == date(2026, 3, 13)


def test_q24_latest_assignment_wins_until_completion() -> None:
    later, earlier = T0 + timedelta(hours=1), T0 - timedelta(hours=1)
    assert domain.takes_assignment(completed=False, assigned_at=None, new_assigned_at=T0)
    assert domain.takes_assignment(completed=False, assigned_at=T0, new_assigned_at=later)
    assert not domain.takes_assignment(completed=False, assigned_at=T0, new_assigned_at=earlier)
    assert not domain.takes_assignment(completed=True, assigned_at=T0, new_assigned_at=later)


def test_q24_cancelled_call_card_is_marked_not_dropped() -> None:
    assert domain.status_after_cancel(domain.PENDING) == domain.CANCELLED
    assert domain.status_after_cancel(domain.SENT) == domain.CANCELLED
    assert domain.status_after_cancel(domain.ANSWERED) == domain.ANSWERED


def test_q25_levels_are_1_to_4_and_errors_name_the_field() -> None:
    ok = domain.check_answer({"attitude": 4, "skill": "3", "arrival": 1,
                              "follow_through": " 2 "}, comment="  fine ")
    assert (ok.attitude, ok.skill, ok.arrival, ok.follow_through) == (4, 3, 1, 2)
    assert ok.comment == "fine"
    for bad in (0, 5, "x", None, True, 2.5, "", "\x00", 10**30):
        with pytest.raises(RuleBroken) as err:
            domain.check_answer({"attitude": 4, "skill": bad, "arrival": 1,
                                 "follow_through": 2})
        assert (err.value.field, err.value.rule) == ("skill", "Q25")
        assert err.value.status_code == 422


def test_q25_a_card_is_answered_once() -> None:
    domain.ensure_answerable(domain.SENT, via="link")
    domain.ensure_answerable(domain.PENDING, via="paper")
    with pytest.raises(WrongState):
        domain.ensure_answerable(domain.PENDING, via="link")
    with pytest.raises(WrongState, match="already answered") as err:
        domain.ensure_answerable(domain.ANSWERED, via="paper")
    assert (err.value.status_code, err.value.rule) == (409, "Q25")
    with pytest.raises(WrongState, match="cancelled"):
        domain.ensure_answerable(domain.CANCELLED, via="paper")


def test_q26_complaint_is_serious_or_general_with_a_text() -> None:
    c = domain.check_complaint("serious", "  late  ")
    assert (c.severity, c.text, c.kind) == ("serious", "late", "complaint")
    with pytest.raises(RuleBroken) as err:
        domain.check_complaint("urgent", "late")
    assert err.value.field == "complaint.severity"
    with pytest.raises(RuleBroken) as err:
        domain.check_complaint("general", " ", prefix="complaint_")
    assert err.value.field == "complaint_text"
    with pytest.raises(RuleBroken) as err:
        domain.check_complaint("general", "x", "praise")
    assert err.value.field == "complaint.kind"
