"""SPEC Q23 pure rules: monthly averages, the ranking, the month asked for."""

from __future__ import annotations

from datetime import date

import pytest

from services.survey.domain import cards
from services.survey.domain import scores as domain
from services.survey.domain.cards import Answer
from services.survey.domain.scores import Scores
from shared.rules import RuleBroken


def _a(*levels: int) -> Answer:
    return Answer(*levels)


def test_q23_month_scores_average_answered_cards_and_count_sent() -> None:
    s = domain.month_scores("T01", [
        (cards.ANSWERED, _a(4, 4, 3, 4)), (cards.ANSWERED, _a(2, 3, 1, 2)),
        (cards.SENT, None), (cards.PENDING, None), (cards.CANCELLED, None),
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
        with pytest.raises(RuleBroken) as err:
            domain.parse_month(bad)
        assert err.value.field == "month"


def test_q23_month_must_be_plausible_not_a_server_error() -> None:
    # Issue 11: year 0 and 9999-12 used to raise ValueError (a 500) building the range.
    for bad in ("0000-01", "1999-12", "9999-12"):
        with pytest.raises(RuleBroken) as err:
            domain.parse_month(bad)
        assert (err.value.field, err.value.rule) == ("month", "Q23")
    assert domain.parse_month("2000-01")[0] == date(2000, 1, 1)
