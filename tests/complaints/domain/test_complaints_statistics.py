"""SPEC C9.10: monthly statistics per classification and responsible unit."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.complaints.domain.statistics import (
    ClosedCase,
    complaint_statistics,
    percentage_shares,
    statistics_due_on,
    statistics_final,
)
from shared.rules import RuleBroken


def case(n, classification, unit, loss="0.00"):
    return ClosedCase(f"2610{n:02d}", classification, unit, Decimal(loss))


def test_c9_10_counts_per_classification_and_unit():
    stats = complaint_statistics(
        [
            case(1, "quality", "moulding", "100.00"),
            case(2, "quality", "moulding", "50.00"),
            case(3, "non_quality", "sales", "10.00"),
            case(4, "service", None),
        ],
        month="2026-10",
    )
    assert stats.total == 4
    assert stats.by_classification == {"non_quality": 1, "quality": 2, "service": 1}
    assert [(u.unit, u.count, u.share, u.loss) for u in stats.by_unit] == [
        ("moulding", 2, Decimal("66.67"), Decimal("150.00")),
        ("sales", 1, Decimal("33.33"), Decimal("10.00")),
    ]
    assert stats.unattributed == 1
    assert stats.total_loss == Decimal("160.00")


def test_c9_10_three_equal_units_share_exactly_100():
    shares = percentage_shares({"a": 1, "b": 1, "c": 1})
    assert shares == {"a": Decimal("33.34"), "b": Decimal("33.33"), "c": Decimal("33.33")}
    assert sum(shares.values()) == Decimal("100.00")


def test_c9_10_empty_month():
    stats = complaint_statistics([], month="2026-10")
    assert stats.total == 0
    assert stats.by_unit == ()


def test_c5_unknown_classification_refused():
    with pytest.raises(RuleBroken) as err:
        complaint_statistics([case(1, "cosmic", "x")], month="2026-10")
    assert err.value.rule == "C5"


@pytest.mark.parametrize("month", ["2026-13", "26-10", "2026/10", "2026-1"])
def test_c9_10_month_must_be_yyyy_mm(month):
    with pytest.raises(RuleBroken) as err:
        complaint_statistics([], month=month)
    assert err.value.field == "month"


def test_c9_10_statistics_final_from_the_10th_of_next_month():
    assert statistics_due_on("2026-10") == date(2026, 11, 10)
    assert not statistics_final("2026-10", date(2026, 11, 9))
    assert statistics_final("2026-10", date(2026, 11, 10))


def test_c9_10_december_statistics_final_in_january():
    assert statistics_due_on("2026-12") == date(2027, 1, 10)


@given(st.dictionaries(st.text(min_size=1, max_size=4), st.integers(0, 10_000), min_size=1))
def test_c9_10_shares_sum_to_exactly_100(counts):
    shares = percentage_shares(counts)
    if sum(counts.values()) == 0:
        assert set(shares.values()) == {Decimal("0.00")}
        return
    assert sum(shares.values()) == Decimal("100.00")
    for unit, share in shares.items():
        assert share >= 0
        assert share.as_tuple().exponent == -2
        exact = Decimal(counts[unit]) * 100 / sum(counts.values())
        assert abs(share - exact) < Decimal("0.01")
