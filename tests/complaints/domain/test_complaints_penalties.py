"""SPEC P1–P5 and C9.7: losses, apportionment, penalties, attribution."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.complaints.domain.penalties import (
    AdminPenalty,
    Department,
    PenaltyGround,
    apportion,
    attribute,
    check_admin_amount,
    improvement_tracking_required,
    resale_window_end,
    returned_goods_loss,
)
from shared.rules import RuleBroken

RETURNED = date(2026, 10, 5)


def test_p1_resold_within_a_month_loses_shortfall_on_a_grade_price():
    loss = returned_goods_loss(
        a_grade_price="1000.00",
        resale_price="700.00",
        returned_on=RETURNED,
        sold_on=date(2026, 11, 5),
    )
    assert loss == Decimal("300.00")


def test_p1_unsold_goods_lose_the_actual_loss():
    loss = returned_goods_loss(a_grade_price="1000.00", actual_loss="820.40", returned_on=RETURNED)
    assert loss == Decimal("820.40")


def test_p1_sold_after_the_window_counts_actual_loss():
    loss = returned_goods_loss(
        a_grade_price="1000.00",
        resale_price="990.00",
        actual_loss="450.00",
        returned_on=RETURNED,
        sold_on=date(2026, 11, 6),
    )
    assert loss == Decimal("450.00")


def test_p1_resale_window_is_one_calendar_month():
    assert resale_window_end(date(2026, 1, 31)) == date(2026, 2, 28)
    assert resale_window_end(date(2026, 12, 15)) == date(2027, 1, 15)


def test_p1_missing_inputs_named():
    with pytest.raises(RuleBroken) as err:
        returned_goods_loss(a_grade_price="10", returned_on=RETURNED)
    assert err.value.field == "actual_loss"
    with pytest.raises(RuleBroken) as err:
        returned_goods_loss(a_grade_price="10", returned_on=RETURNED, sold_on=RETURNED)
    assert err.value.field == "resale_price"


def test_p2_individual_fault_bears_whole_loss():
    assert apportion("1234.56", {"T01": 1}) == {"T01": Decimal("1234.56")}


def test_p2_joint_fault_split_sums_exactly():
    parts = apportion("100.00", {"moulding": "1", "packing": "1", "sales": "1"})
    assert parts == {
        "moulding": Decimal("33.34"),
        "packing": Decimal("33.33"),
        "sales": Decimal("33.33"),
    }
    assert sum(parts.values()) == Decimal("100.00")


def test_p2_remainder_goes_to_largest_share():
    parts = apportion("0.05", {"a": "0.7", "b": "0.3"})
    assert parts == {"a": Decimal("0.04"), "b": Decimal("0.01")}


def test_p2_bad_shares_refused():
    with pytest.raises(RuleBroken):
        apportion("10.00", {})
    with pytest.raises(RuleBroken):
        apportion("10.00", {"a": "0"})
    with pytest.raises(RuleBroken) as err:
        apportion("10.00", {"a": "-1", "b": "2"})
    assert err.value.field == "shares.a"
    with pytest.raises(RuleBroken):
        apportion("10.00", {"a": 0.5})


ratios = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@given(
    loss=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    shares=st.dictionaries(st.text(min_size=1, max_size=3), ratios, min_size=1, max_size=8).filter(
        lambda d: sum(d.values()) > 0
    ),
)
def test_p2_apportion_sums_exactly_and_never_negative(loss, shares):
    parts = apportion(loss, shares)
    assert set(parts) == set(shares)
    assert sum(parts.values()) == loss
    assert all(p >= 0 for p in parts.values())
    assert all(p.as_tuple().exponent == -2 for p in parts.values())
    for unit, ratio in shares.items():
        if ratio == 0:
            assert parts[unit] == 0


def test_p3_warning_deducts_at_least_400():
    assert check_admin_amount(AdminPenalty.WARNING) == Decimal("400.00")
    assert check_admin_amount("warning", decided="600") == Decimal("600.00")
    with pytest.raises(RuleBroken) as err:
        check_admin_amount("warning", decided="399.99")
    assert err.value.rule == "P3"


def test_p3_minor_demerit_is_priced_by_billing_per_base_point():
    assert check_admin_amount(AdminPenalty.MINOR_DEMERIT) is None  # billing: 800 × points
    assert check_admin_amount("minor_demerit", decided="2000") == Decimal("2000.00")


def test_p3_major_demerit_states_no_amount_billing_takes_the_whole_bonus():
    assert check_admin_amount(AdminPenalty.MAJOR_DEMERIT) is None
    with pytest.raises(RuleBroken) as err:
        check_admin_amount("major_demerit", decided="100.00")
    assert (err.value.field, err.value.rule) == ("amount", "P3")


def test_p3_unknown_level_refused():
    with pytest.raises(RuleBroken) as err:
        check_admin_amount("reprimand")
    assert err.value.field == "level"


def test_p4_fifteen_fixed_grounds_in_seed_order():
    grounds = list(PenaltyGround)
    assert len(grounds) == 15
    assert grounds[0].wording.startswith("Complaint caused by document or sample")
    assert PenaltyGround.LATE_DELIVERY.clause == 9
    assert grounds[-1] is PenaltyGround.OTHER
    assert all(g.wording for g in grounds)


def test_p5_manufacturing_goes_to_smallest_group():
    result = attribute("manufacturing", "moulding group 2", "T01")
    assert (result.level, result.bearer) == ("group", "moulding group 2")


def test_p5_manufacturing_falls_back_to_whole_section():
    result = attribute(Department.MANUFACTURING, None, None, unit_name="moulding section")
    assert (result.level, result.bearer) == ("section", "moulding section")


def test_p5_sales_goes_to_individual_else_department():
    assert attribute("sales", None, "E042").bearer == "E042"
    assert attribute("service", "group x", None).level == "department"


def test_p5_unknown_department_refused():
    with pytest.raises(RuleBroken) as err:
        attribute("marketing", None, None)
    assert err.value.rule == "P5"


def test_c9_7_human_negligence_exempt_from_improvement_tracking():
    assert not improvement_tracking_required("human_negligence")
    assert improvement_tracking_required("quality_defect")
    with pytest.raises(RuleBroken):
        improvement_tracking_required("bad luck")
