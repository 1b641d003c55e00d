"""Property-based tests for the arithmetic rules (SPEC P6, P7, C13.2(1), S13)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.billing.domain.deductions import Owed, month_cap, plan, split_unit_loss
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
def charges_and_bonuses(draw):
    """A person's charges (economic mostly, some administrative or major) and bonuses."""
    bonuses = draw(bonus_maps)
    kinds = st.sampled_from(["economic", "economic", "administrative", "major"])
    items = draw(st.lists(st.tuples(kinds, cents, months), min_size=1, max_size=6))
    charges = [Owed(id=i + 1, kind=k, month=m, amount=None if k == "major" else a)
               for i, (k, a, m) in enumerate(items)]
    return charges, bonuses


@given(data=charges_and_bonuses(), open_from=st.none() | months)
def test_p7_economic_never_more_than_half_of_any_bonus(data, open_from):
    charges, bonuses = data
    kind = {c.id: c.kind for c in charges}
    economic: dict[str, Decimal] = {}
    for entry in plan(charges, bonuses, open_from=open_from):
        assert open_from is None or entry.month >= open_from  # closed months untouched
        if kind[entry.charge_id] == "economic":
            assert entry.amount > 0
            economic[entry.month] = economic.get(entry.month, Decimal(0)) + entry.amount
    for month, amount in economic.items():
        assert amount <= month_cap(bonuses[month])


@given(data=charges_and_bonuses())
def test_p7_carry_over_never_takes_more_than_owed_and_starts_in_the_decisions_month(data):
    charges, bonuses = data
    taken: dict[int, Decimal] = {}
    for entry in plan(charges, bonuses, open_from=None):
        charge = next(c for c in charges if c.id == entry.charge_id)
        assert entry.month >= charge.month
        taken[charge.id] = taken.get(charge.id, Decimal(0)) + entry.amount
    for c in charges:
        owed = c.amount if c.kind != "major" else bonuses.get(c.month, Decimal(0))
        assert taken.get(c.id, Decimal(0)) <= owed
        if c.kind != "economic":
            assert taken.get(c.id, Decimal(0)) == owed  # P3: whole, in its month, uncapped


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
