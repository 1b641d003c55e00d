"""Technician scores and the branch ranking aggregated in SQL (SPEC Q23, issue 17) equal
the pure rule's over the same cards: sent and answered counts, half-up averages per
dimension and overall, the month and branch filters, ties in the ranking."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from services.survey.domain import cards as rules
from services.survey.domain import scores as scoring
from services.survey.models import Base, SurveyCard, plumbing
from services.survey.service import scores
from shared.auth import Actor
from shared.testing import fake_context, memory_database

DIRECTOR = Actor(user_id="D01", role="service_dept", branch=None)
SUPERVISOR = Actor(user_id="S01", role="supervisor", branch="SC01")
rating = st.one_of(st.none(), st.integers(min_value=1, max_value=5))
card = st.tuples(
    st.sampled_from(["T01", "T02", "T03"]),
    st.sampled_from(["SC01", "SC02"]),
    st.sampled_from(["pending", rules.SENT, rules.ANSWERED, "cancelled"]),
    st.sampled_from([date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 1)]),
    rating, rating, rating, rating,
)


def _answer(c: tuple) -> rules.Answer | None:
    _t, _b, status, _d, attitude, skill, arrival, follow = c
    if status != rules.ANSWERED or attitude is None:
        return None
    return rules.Answer(attitude=attitude, skill=skill or 0, arrival=arrival or 0,
                        follow_through=follow or 0)


def _expected(cards: list[tuple], technician: str, branch: str | None) -> scoring.Scores:
    mine = [c for c in cards if c[0] == technician and c[3].month == 3
            and (branch is None or c[1] == branch)]
    return scoring.month_scores(technician, [(c[2], _answer(c)) for c in mine])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cards=st.lists(card, max_size=30))
async def test_q23_sql_scores_and_ranking_equal_the_pure_rules(cards: list[tuple]) -> None:
    ctx, _ = fake_context(plumbing, service="survey")
    async with memory_database(Base.metadata) as db:
        if cards:
            async with db.transaction() as session:
                await session.execute(insert(SurveyCard), [
                    {"call_id": i, "voucher_no": f"SC01-V{i:06d}", "branch": b, "status": s,
                     "created_at": datetime(2026, 3, 1, tzinfo=UTC), "call_date": d,
                     "technician_id": t, "attitude": a, "skill": k, "arrival": r,
                     "follow_through": f}
                    for i, (t, b, s, d, a, k, r, f) in enumerate(cards)])
        async with db.reading() as session:
            for tech in ("T01", "T02", "T03"):
                got = await scores.technician_scores(ctx, session, actor=DIRECTOR,
                                                     technician_id=tech, month="2026-03")
                assert got == _expected(cards, tech, None)
            ranked = await scores.branch_ranking(ctx, session, actor=SUPERVISOR,
                                                 branch="SC01", month="2026-03")
    present = sorted({c[0] for c in cards if c[1] == "SC01" and c[3].month == 3})
    assert ranked == scoring.ranking(_expected(cards, t, "SC01") for t in present)
