"""Unit tests for extended warranty price and cover (SPEC E1–E4).

E1 (issue 13 item 4c): the price comes from the company file, continuous in the product
price; the old hard-coded bands priced 4,000.01 and 8,000.00 the same.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing.domain.extended_warranty import (
    PriceRule,
    PriceRuleError,
    Remedy,
    covers,
    quote,
    refusal_reason,
    remedy,
    warranty_window,
)
from shared.rules import RuleBroken

D = Decimal
COMPANY_FILE = Path(__file__).parents[3] / "shared" / "reference" / "extended_warranty.json"
RULE = PriceRule.from_dict(json.loads(COMPANY_FILE.read_text(encoding="utf-8")))


def q(price: str, years: int, rule: PriceRule = RULE) -> Decimal:
    return quote(product_price=D(price), years=years, rule=rule)


def test_e1_seed_example_6000_tv_prices_from_the_company_file():
    assert [q("6000.00", y) for y in (1, 2, 3, 4)] == [
        D("279.00"), D("528.00"), D("777.00"), D("1023.00")]


def test_e1_five_year_price_continues_the_seed_row():
    assert q("6000.00", 5) == D("1269.00")


@pytest.mark.parametrize("years", [1, 2, 3, 4, 5])
def test_e1_no_jump_at_the_old_band_edges(years):
    # The old table: 4,000.00 → 614 and 4,000.01 → 1,023 for four years; 8,000 = 4,000.01.
    assert q("4000.01", years) - q("4000.00", years) <= D("1.00")
    assert q("8000.00", years) > q("4000.01", years)


@given(cents=st.integers(min_value=1, max_value=5_000_000 - 1), years=st.integers(1, 5))
def test_e1_price_is_continuous_and_never_falls_with_the_product_price(cents, years):
    low, high = D(cents) / 100, D(cents + 1) / 100
    step = q(str(high), years) - q(str(low), years)
    # One cent more costs at most one rounding quantum more (whole yuan), never less.
    assert D(0) <= step <= RULE.rounding


def test_e1_price_rises_with_term():
    for price in ("500", "6000", "49999.99"):
        row = [q(price, y) for y in range(1, 6)]
        assert row == sorted(row)


@pytest.mark.parametrize("years", [0, 6, -1])
def test_e1_years_outside_1_to_5_refused(years):
    with pytest.raises(RuleBroken) as err:
        q("6000", years)
    assert err.value.field == "years"


@pytest.mark.parametrize("price", ["0", "-1", "50000.01"])
def test_e1_product_price_refused(price):
    with pytest.raises(RuleBroken) as err:
        q(price, 1)
    assert err.value.field == "product_price"


def test_e1_piecewise_rule_interpolates_between_points():
    rule = PriceRule.from_dict({"rounding": "0.01", "points": [
        {"product_price": "0", "prices": ["0", "0", "0", "0", "0"]},
        {"product_price": "1000", "prices": ["100", "200", "300", "400", "500"]},
        {"product_price": "3000", "prices": ["150", "250", "350", "450", "550"]},
    ]})
    assert q("500", 1, rule) == D("50.00")
    assert q("2000", 3, rule) == D("325.00")
    assert q("3000", 5, rule) == D("550.00")


@pytest.mark.parametrize("raw", [
    {"points": [{"product_price": "0", "prices": ["1", "2", "3", "4", "5"]}]},
    {"points": [{"product_price": "10", "prices": ["1", "2", "3", "4", "5"]},
                {"product_price": "20", "prices": ["1", "2", "3", "4", "5"]}]},
    {"points": [{"product_price": "0", "prices": ["5", "4", "3", "2", "1"]},
                {"product_price": "20", "prices": ["5", "6", "7", "8", "9"]}]},
    {"points": [{"product_price": "0", "prices": ["2", "3", "4", "5", "6"]},
                {"product_price": "20", "prices": ["1", "2", "3", "4", "5"]}]},
    {"points": [{"product_price": "0", "prices": ["1", "2", "3", "4"]},
                {"product_price": "20", "prices": ["1", "2", "3", "4", "5"]}]},
    {"rounding": "0.5", "points": [{"product_price": "0", "prices": ["0"] * 5},
                                   {"product_price": "20", "prices": ["1"] * 5}]},
])
def test_e1_a_bad_company_file_is_refused(raw):
    with pytest.raises(PriceRuleError):
        PriceRule.from_dict(raw)


def test_e3_refusal_reasons():
    assert refusal_reason(component="main_board", cause="misuse") == "misuse"
    assert refusal_reason(component=None, cause="accidental_damage") == "accidental_damage"
    assert refusal_reason(component="consumable", cause="defect") == "component:consumable"
    assert refusal_reason(component="remote_control", cause="power_surge") is None
    assert refusal_reason(component=None, cause=None) is None


@pytest.mark.parametrize("component", ["main_board", "display", "remote_control", "cabinet"])
def test_e3_whole_unit_including_remote_control_covered(component):
    assert covers(component=component, cause="defect")


def test_e3_power_surge_damage_covered():
    assert covers(component="power_supply", cause="power_surge")


def test_e3_misuse_and_consumables_not_covered():
    assert not covers(component="main_board", cause="misuse")
    assert not covers(component="consumable", cause="defect")


def test_e3_unknown_component_refused():
    with pytest.raises(RuleBroken):
        covers(component="warp_drive", cause="defect")


def test_e4_unrepairable_unit_replaced():
    assert remedy(repairable=False) is Remedy.REPLACE
    assert remedy(repairable=True) is Remedy.REPAIR


def test_e1_window_starts_day_after_maker_warranty():
    assert warranty_window(date(2026, 3, 31), 1) == (date(2026, 4, 1), date(2027, 3, 31))
    assert warranty_window(date(2026, 3, 31), 5) == (date(2026, 4, 1), date(2031, 3, 31))


def test_e1_window_leap_days():
    assert warranty_window(date(2027, 2, 28), 1) == (date(2027, 3, 1), date(2028, 2, 29))
    assert warranty_window(date(2028, 2, 28), 1) == (date(2028, 2, 29), date(2029, 2, 28))


def test_e1_window_refuses_bad_term():
    with pytest.raises(RuleBroken) as err:
        warranty_window(date(2026, 1, 1), 6)
    assert err.value.field == "years"
