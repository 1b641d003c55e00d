"""Unit tests for penalty deductions (SPEC P6, P7)."""

from decimal import Decimal

import pytest

from services.billing.domain.deductions import (
    DeductionSchedule,
    Instalment,
    Penalty,
    first_deduction_month,
    month_cap,
    next_month,
    person_share,
    plan_person,
    schedule_deductions,
    split_unit_loss,
)
from shared.rules import RuleBroken

D = Decimal


def test_p6_share_by_base_points():
    share = person_share(loss=D("1000.00"), unit_total_base_points=8, person_base_points=3)
    assert share == D("375.00")


def test_p6_share_rounds_half_up_to_cents():
    assert person_share(loss=D("100"), unit_total_base_points=3, person_base_points=2) == D("66.67")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"loss": D("-1"), "unit_total_base_points": 1, "person_base_points": 1}, "loss"),
        (
            {"loss": D("1"), "unit_total_base_points": 0, "person_base_points": 0},
            "unit_total_base_points",
        ),
        (
            {"loss": D("1"), "unit_total_base_points": 2, "person_base_points": 3},
            "person_base_points",
        ),
    ],
)
def test_p6_bad_input_names_field(kwargs, field):
    with pytest.raises(RuleBroken) as err:
        person_share(**kwargs)
    assert (err.value.rule, err.value.field) == ("P6", field)


def test_p6_split_sums_exactly_remainder_to_largest_holders():
    shares = split_unit_loss(D("100.00"), {"a": 1, "b": 1, "c": 1})
    assert sum(shares.values()) == D("100.00")
    assert shares == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}
    shares = split_unit_loss(D("100.00"), {"small": 1, "big": 2, "zero": 0})
    assert shares == {"small": D("33.33"), "big": D("66.67"), "zero": D("0.00")}


def test_p7_cap_half_of_bonus_carries_over():
    result = schedule_deductions(
        owed=D("1500.00"),
        bonuses=[("2026-01", D("2000.00")), ("2026-02", D("1000.00")), ("2026-03", D("2000.00"))],
    )
    assert result.instalments == (
        Instalment("2026-01", D("1000.00")),
        Instalment("2026-02", D("500.00")),
    )
    assert result.unscheduled == D("0.00")


def test_p7_already_scheduled_penalties_share_the_cap():
    result = schedule_deductions(
        owed=D("600.00"),
        bonuses=[("2026-01", D("1000.00")), ("2026-02", D("1000.00"))],
        already_scheduled={"2026-01": D("400.00"), "2026-02": D("600.00")},
    )
    assert result.instalments == (Instalment("2026-01", D("100.00")),)
    assert result.unscheduled == D("500.00")


def test_p7_month_with_zero_bonus_takes_nothing():
    result = schedule_deductions(
        owed=D("300.00"), bonuses=[("2026-02", D("600.00")), ("2026-01", D("0"))]
    )
    assert result == DeductionSchedule(
        instalments=(Instalment("2026-02", D("300.00")),), unscheduled=D("0.00")
    )


def test_p7_unscheduled_remainder_when_months_run_out():
    result = schedule_deductions(owed=D("1000.00"), bonuses=[("2026-01", D("1000.00"))])
    assert result.scheduled == D("500.00")
    assert result.unscheduled == D("500.00")


def test_p7_cap_rounds_down_never_over_half():
    assert month_cap(D("1234.57")) == D("617.28")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"owed": D("-1"), "bonuses": []}, "owed"),
        ({"owed": D("1"), "bonuses": [("2026-13", D("1"))]}, "bonuses[0].month"),
        (
            {"owed": D("1"), "bonuses": [("2026-01", D("1")), ("2026-01", D("1"))]},
            "bonuses[1].month",
        ),
        ({"owed": D("1"), "bonuses": [("2026-01", D("-1"))]}, "bonuses[0].bonus"),
    ],
)
def test_p7_bad_input_names_field(kwargs, field):
    with pytest.raises(RuleBroken) as err:
        schedule_deductions(**kwargs)
    assert (err.value.rule, err.value.field) == ("P7", field)


def test_p8_deductions_start_the_month_after_the_decision():
    assert first_deduction_month("2026-02") == "2026-03"
    assert next_month("2026-12") == "2027-01"
    with pytest.raises(RuleBroken) as err:
        next_month("2026-13")
    assert err.value.field == "month"


def test_p7_older_penalty_fills_the_cap_first_and_both_share_it():
    bonuses = {"2026-03": D("1000"), "2026-04": D("1200"), "2026-05": D("1000")}
    plans = plan_person(
        [Penalty("old", D("1500"), "2026-03"), Penalty("new", D("300"), "2026-04")], bonuses
    )
    assert plans["old"].instalments == (
        Instalment("2026-03", D("500.00")), Instalment("2026-04", D("600.00")),
        Instalment("2026-05", D("400.00")))
    assert plans["new"].instalments == (Instalment("2026-05", D("100.00")),)
    assert plans["new"].unscheduled == D("200.00")
