"""Property-based tests for the arithmetic rules (SPEC P6, P7, C13.2(1), S13)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.billing.domain.deductions import (
    Penalty,
    month_cap,
    plan_person,
    schedule_deductions,
    split_unit_loss,
)
from services.billing.domain.pricing import PriceList, price_service, total
from services.billing.domain.returns import (
    is_balanced,
    journal_for_return,
    over_acceptance_check,
    reverse,
)

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: Decimal(c).scaleb(-2))
months = st.builds(
    lambda y, m: f"{y:04d}-{m:02d}",
    st.integers(min_value=2020, max_value=2030),
    st.integers(min_value=1, max_value=12),
)
bonus_maps = st.dictionaries(months, cents, max_size=24)


@st.composite
def bonuses_and_already(draw):
    """Bonuses by month, and other penalties already scheduled in mostly the same months."""
    bonuses = draw(bonus_maps)
    keys = st.sampled_from(sorted(bonuses)) | months if bonuses else months
    already = draw(st.dictionaries(keys, cents, max_size=24))
    return bonuses, already


@given(owed=cents, plan=bonuses_and_already())
def test_p7_never_more_than_half_of_any_bonus(owed, plan):
    bonuses, already = plan
    result = schedule_deductions(
        owed=owed, bonuses=list(bonuses.items()), already_scheduled=already
    )
    for month, amount in result.instalments:
        assert amount > 0
        assert amount + already.get(month, Decimal(0)) <= bonuses[month] / 2


@given(owed=cents, plan=bonuses_and_already())
def test_p7_instalments_plus_remainder_equal_owed(owed, plan):
    bonuses, already = plan
    result = schedule_deductions(
        owed=owed, bonuses=list(bonuses.items()), already_scheduled=already
    )
    assert result.scheduled + result.unscheduled == owed
    assert result.unscheduled >= 0
    assert [m for m, _ in result.instalments] == sorted(m for m, _ in result.instalments)


@given(
    loss=cents,
    points=st.dictionaries(
        st.text(min_size=1, max_size=4), st.integers(min_value=0, max_value=50), min_size=1
    ).filter(lambda p: sum(p.values()) > 0),
)
def test_p6_split_sums_exactly_to_loss(loss, points):
    shares = split_unit_loss(loss, points)
    assert sum(shares.values()) == loss
    total_points = sum(points.values())
    for person, share in shares.items():
        exact = loss * points[person] / total_points
        assert abs(share - exact) <= Decimal("0.01")  # floor, plus at most one cent


@given(
    approved=st.integers(min_value=1, max_value=100_000),
    ratio=st.integers(min_value=0, max_value=50).map(lambda p: Decimal(p) / 100),
    data=st.data(),
)
def test_c13_2_1_within_tolerance_books_received_qty(approved, ratio, data):
    tolerance = int(approved * ratio)  # the largest whole difference inside the tolerance
    received = data.draw(
        st.integers(min_value=max(0, approved - tolerance), max_value=approved + tolerance)
    )
    decision = over_acceptance_check(
        approved_qty=approved, received_qty=received, order_ratio=ratio
    )
    assert (decision.book_qty, decision.held) == (received, False)


@given(
    approved=st.integers(min_value=1, max_value=100_000),
    ratio=st.integers(min_value=0, max_value=50).map(lambda p: Decimal(p) / 100),
    extra=st.integers(min_value=1, max_value=1000),
)
def test_c13_2_1_beyond_tolerance_held(approved, ratio, extra):
    received = int(approved * ratio) + approved + extra
    decision = over_acceptance_check(
        approved_qty=approved, received_qty=received, order_ratio=ratio
    )
    assert decision.held and decision.book_qty is None


@given(amount=cents.filter(lambda a: a > 0))
def test_c13_2_journal_balanced_and_reversal_nets_to_zero(amount):
    booked = journal_for_return(amount)
    reversal = reverse(booked)
    assert is_balanced(booked) and is_balanced(reversal)
    assert sum((x.debit - x.credit for x in booked + reversal), Decimal(0)) == 0
    for a, b in zip(booked, reversal, strict=True):
        assert (a.debit, a.credit) == (b.credit, b.debit)


@given(
    minutes=st.integers(min_value=0, max_value=24 * 60),
    parts=st.lists(
        st.tuples(st.just("P"), st.integers(min_value=1, max_value=9), cents), max_size=5
    ),
)
def test_s13_total_is_exact_sum_of_lines(minutes, parts):
    lines = price_service(price_list=PriceList(branch="SC01"), labour_minutes=minutes, parts=parts)
    assert total(lines) == sum((x.amount for x in lines), Decimal(0))
    assert all(x.amount == x.amount.quantize(Decimal("0.01")) for x in lines)


@given(
    st.lists(st.tuples(cents, months), min_size=1, max_size=5),
    bonus_maps,
)
def test_p7_several_penalties_never_exceed_any_months_cap(penalties, bonuses):
    plans = plan_person(
        [Penalty(str(i), owed, first) for i, (owed, first) in enumerate(penalties)], bonuses
    )
    taken: dict[str, Decimal] = {}
    for i, (owed, first) in enumerate(penalties):
        plan = plans[str(i)]
        assert plan.scheduled + plan.unscheduled == owed
        for instalment in plan.instalments:
            assert instalment.month >= first
            taken[instalment.month] = taken.get(instalment.month, Decimal(0)) + instalment.amount
    for month, amount in taken.items():
        assert amount <= month_cap(bonuses[month])
