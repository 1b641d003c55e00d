"""SPEC Q23–Q26 pure rules: sending time, assignment, levels, complaints, scores, links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.survey import domain, links
from services.survey.domain import Answer, Scores, SurveyRuleError, SurveyStateError

T0 = datetime(2026, 3, 13, 2, 0, tzinfo=UTC)


def test_q24_cards_go_out_the_branch_next_morning() -> None:
    assert domain.send_due_at(date(2026, 3, 13), "Asia/Shanghai") == datetime(
        2026, 3, 14, 1, 0, tzinfo=UTC)


def test_q24_register_day_is_the_branch_local_date() -> None:
    late = datetime(2026, 3, 13, 16, 30, tzinfo=UTC)  # 00:30 next day in Shanghai
    assert domain.call_day(late, "Asia/Shanghai") == date(2026, 3, 14)
    assert domain.call_day(late, "UTC") == date(2026, 3, 13)


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
    for bad in (0, 5, "x", None, True, 2.5, ""):
        with pytest.raises(SurveyRuleError) as err:
            domain.check_answer({"attitude": 4, "skill": bad, "arrival": 1,
                                 "follow_through": 2})
        assert (err.value.field, err.value.rule) == ("skill", "Q25")


def test_q25_a_card_is_answered_once() -> None:
    domain.ensure_answerable(domain.SENT, via="link")
    domain.ensure_answerable(domain.PENDING, via="paper")
    with pytest.raises(SurveyStateError):
        domain.ensure_answerable(domain.PENDING, via="link")
    with pytest.raises(SurveyStateError, match="already answered"):
        domain.ensure_answerable(domain.ANSWERED, via="paper")
    with pytest.raises(SurveyStateError, match="cancelled"):
        domain.ensure_answerable(domain.CANCELLED, via="paper")


def test_q26_complaint_is_serious_or_general_with_a_text() -> None:
    c = domain.check_complaint("serious", "  late  ")
    assert (c.severity, c.text, c.kind) == ("serious", "late", "complaint")
    with pytest.raises(SurveyRuleError) as err:
        domain.check_complaint("urgent", "late")
    assert err.value.field == "complaint.severity"
    with pytest.raises(SurveyRuleError) as err:
        domain.check_complaint("general", " ", prefix="complaint_")
    assert err.value.field == "complaint_text"
    with pytest.raises(SurveyRuleError) as err:
        domain.check_complaint("general", "x", "praise")
    assert err.value.field == "complaint.kind"


def _a(*levels: int) -> Answer:
    return Answer(*levels)


def test_q23_month_scores_average_answered_cards_and_count_sent() -> None:
    s = domain.month_scores("T01", [
        (domain.ANSWERED, _a(4, 4, 3, 4)), (domain.ANSWERED, _a(2, 3, 1, 2)),
        (domain.SENT, None), (domain.PENDING, None), (domain.CANCELLED, None),
    ])
    assert (s.attitude, s.skill, s.arrival, s.follow_through) == (3.0, 3.5, 2.0, 3.0)
    assert (s.overall, s.answered, s.sent) == (2.88, 2, 3)
    empty = domain.month_scores("T02", [])
    assert (empty.overall, empty.answered, empty.sent) == (None, 0, 0)


def test_q23_ranking_best_first_ties_share_a_rank_unrated_last() -> None:
    def sc(tech: str, overall: float | None, answered: int) -> Scores:
        return Scores(tech, None, None, None, None, overall, answered, answered)

    ranked = domain.ranking([sc("T4", None, 0), sc("T1", 3.5, 2), sc("T2", 3.5, 2),
                             sc("T3", 3.5, 5), sc("T5", 4.0, 1)])
    assert [(r, s.technician_id) for r, s in ranked] == [
        (1, "T5"), (2, "T3"), (3, "T1"), (3, "T2"), (5, "T4")]


def test_q23_month_must_be_yyyy_mm() -> None:
    assert domain.parse_month("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
    for bad in ("2026-13", "2026-1", "march", ""):
        with pytest.raises(SurveyRuleError) as err:
            domain.parse_month(bad)
        assert err.value.field == "month"


def test_q25_link_is_signed_and_tamper_evident() -> None:
    key = links.link_key("secret")
    expires = datetime(2026, 3, 28, 1, 0, tzinfo=UTC)
    token = links.sign(key, card_id=7, expires_at=expires, nonce="abc")
    claims = links.read(key, token)
    assert (claims.card_id, claims.expires_at, claims.nonce) == (7, expires, "abc")
    assert not claims.expired(expires - timedelta(seconds=1))
    assert claims.expired(expires)
    card, exp, nonce, mac = token.split(".")
    altered = mac[:-1] + ("B" if mac.endswith("A") else "A")
    for forged in (f"8.{exp}.{nonce}.{mac}", f"{card}.{int(exp) + 86400}.{nonce}.{mac}",
                   f"{card}.{exp}.{nonce}.{altered}",
                   "7.1.abc", ""):
        with pytest.raises(links.BadLink):
            links.read(key, forged)
    with pytest.raises(links.BadLink):
        links.read(links.link_key("other secret"), token)
