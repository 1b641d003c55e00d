"""Pricing and scheduling penalty deductions (SPEC P3, P6, P7), pure."""

from decimal import Decimal

import pytest

from services.billing.domain.deductions import (
    Entry,
    Owed,
    admin_amount,
    month_cap,
    next_month,
    plan,
    split_unit_loss,
)
from shared.rules import RuleBroken

D = Decimal


def test_p6_split_by_base_points_loss_over_unit_total_times_person():
    assert split_unit_loss(D("1000.00"), {"W1": 3, "W2": 5}) == {
        "W1": D("375.00"), "W2": D("625.00")}


def test_p6_split_sums_exactly_remainder_to_largest_holders():
    shares = split_unit_loss(D("100.00"), {"A": 1, "B": 1, "C": 1})
    assert sum(shares.values()) == D("100.00")
    assert shares == {"A": D("33.34"), "B": D("33.33"), "C": D("33.33")}


def test_p6_a_unit_without_members_cannot_be_priced():
    with pytest.raises(RuleBroken) as err:
        split_unit_loss(D("10.00"), {})
    assert (err.value.field, err.value.rule) == ("unit", "P6")


def test_p3_warning_and_minor_minimums_from_the_register():
    assert admin_amount("warning", base_points=None, stated=None) == D("400.00")
    assert admin_amount("warning", base_points=None, stated=D("500.00")) == D("500.00")
    assert admin_amount("minor_demerit", base_points=D("1.5"), stated=None) == D("1200.00")
    # a stated amount below 800 per base point is raised to it
    assert admin_amount("minor_demerit", base_points=D("2"), stated=D("900.00")) == D("1600.00")
    assert admin_amount("major_demerit", base_points=D("2"), stated=None) is None
    with pytest.raises(RuleBroken):
        admin_amount("minor_demerit", base_points=None, stated=None)


def test_p3_major_demerit_takes_the_whole_months_bonus_in_that_month_uncapped():
    bonuses = {"2026-03": D("3000.00"), "2026-04": D("3000.00")}
    entries = plan([Owed(1, "major", "2026-03", None)], bonuses, open_from=None)
    assert entries == [Entry(1, "2026-03", D("3000.00"))]  # not 1,500 + 1,500 (P7 cap)


def test_p3_major_demerit_waits_for_its_months_bonus():
    assert plan([Owed(1, "major", "2026-05", None)], {"2026-04": D("900")}, open_from=None) == []


def test_p7_economic_capped_at_half_and_carried_into_following_months():
    bonuses = {"2026-03": D("1000.00"), "2026-04": D("1200.00"), "2026-05": D("1000.00")}
    entries = plan([Owed(1, "economic", "2026-03", D("1500.00"))], bonuses, open_from=None)
    assert entries == [Entry(1, "2026-03", D("500.00")), Entry(1, "2026-04", D("600.00")),
                       Entry(1, "2026-05", D("400.00"))]


def test_p7_deductions_start_in_the_decisions_month_not_the_month_after():
    bonuses = {"2026-02": D("1000.00"), "2026-03": D("1000.00")}
    entries = plan([Owed(1, "economic", "2026-02", D("100.00"))], bonuses, open_from=None)
    assert entries == [Entry(1, "2026-02", D("100.00"))]


def test_p7_older_decision_fills_the_cap_first_and_both_share_it():
    bonuses = {"2026-03": D("1000.00"), "2026-04": D("1000.00")}
    entries = plan([Owed(2, "economic", "2026-03", D("300.00")),
                    Owed(1, "economic", "2026-03", D("400.00"))], bonuses, open_from=None)
    assert entries == [Entry(1, "2026-03", D("400.00")), Entry(2, "2026-03", D("100.00")),
                       Entry(2, "2026-04", D("200.00"))]


def test_p7_economic_takes_nothing_from_a_month_a_major_demerit_emptied():
    bonuses = {"2026-03": D("1000.00"), "2026-04": D("1000.00")}
    entries = plan([Owed(1, "major", "2026-03", None),
                    Owed(2, "economic", "2026-03", D("200.00"))], bonuses, open_from=None)
    assert entries == [Entry(1, "2026-03", D("1000.00")), Entry(2, "2026-04", D("200.00"))]


def test_p7_closed_months_are_inputs_what_is_left_goes_to_the_earliest_open_month():
    bonuses = {"2026-03": D("1000.00"), "2026-04": D("1000.00"), "2026-05": D("1000.00")}
    owed = Owed(1, "economic", "2026-03", D("1500.00"), closed=D("500.00"))
    entries = plan([owed], bonuses, open_from="2026-04")
    assert entries == [Entry(1, "2026-04", D("500.00")), Entry(1, "2026-05", D("500.00"))]
    late = Owed(2, "administrative", "2026-03", D("400.00"))  # decided in a closed month
    assert plan([late], bonuses, open_from="2026-04") == [Entry(2, "2026-04", D("400.00"))]


def test_p2_reversal_repays_what_closed_months_took_in_the_earliest_open_month():
    bonuses = {"2026-03": D("1000.00"), "2026-04": D("1000.00")}
    charges = [Owed(1, "economic", "2026-03", D("800.00"), closed=D("500.00"), reversed=True),
               Owed(2, "economic", "2026-04", D("-800.00"), reverses=1),
               Owed(3, "economic", "2026-04", D("300.00"))]
    assert plan(charges, bonuses, open_from="2026-04") == [
        Entry(2, "2026-04", D("-500.00")), Entry(3, "2026-04", D("300.00"))]


def test_p7_cap_rounds_down_never_over_half():
    assert month_cap(D("1000.01")) == D("500.00")
    assert next_month("2026-12") == "2027-01"
