"""Unit tests for extended warranty price and cover (SPEC E1–E4)."""

from datetime import date
from decimal import Decimal

import pytest

from services.billing.domain.extended_warranty import (
    DEFAULT_TABLE,
    PriceBand,
    PriceTable,
    Remedy,
    covers,
    quote,
    remedy,
    warranty_window,
)
from shared.rules import RuleBroken

D = Decimal


def test_e1_seed_example_6000_tv_prices():
    prices = [quote(product_price=D("6000.00"), years=y) for y in (1, 2, 3, 4)]
    assert prices == [D("279.00"), D("528.00"), D("777.00"), D("1023.00")]


def test_e1_five_year_price_continues_the_seed_row():
    assert quote(product_price=D("6000.00"), years=5) == D("1269.00")


@pytest.mark.parametrize(("price", "expected"), [("4000.00", "614.00"), ("4000.01", "1023.00")])
def test_e1_band_edges_upper_inclusive(price, expected):
    assert quote(product_price=D(price), years=4) == D(expected)


def test_e1_price_rises_with_term_and_band():
    for band in DEFAULT_TABLE.bands:
        assert list(band.prices) == sorted(band.prices)
    for years in range(1, 6):
        row = [band.prices[years - 1] for band in DEFAULT_TABLE.bands]
        assert row == sorted(row)


@pytest.mark.parametrize("years", [0, 6, -1])
def test_e1_years_outside_1_to_5_refused(years):
    with pytest.raises(RuleBroken) as err:
        quote(product_price=D("6000"), years=years)
    assert err.value.field == "years"


@pytest.mark.parametrize("price", ["0", "-1", "50000.01"])
def test_e1_product_price_refused(price):
    with pytest.raises(RuleBroken) as err:
        quote(product_price=D(price), years=1)
    assert err.value.field == "product_price"


def test_e1_table_is_configurable():
    table = PriceTable(bands=(PriceBand(D("0"), D("100000"), tuple(D(p) for p in "12345")),))
    assert quote(product_price=D("99999"), years=3, table=table) == D("3.00")


def test_e1_table_rejects_gaps_and_falling_prices():
    with pytest.raises(RuleBroken):
        PriceTable(
            bands=(
                PriceBand(D("0"), D("10"), tuple(D(p) for p in "12345")),
                PriceBand(D("11"), D("20"), tuple(D(p) for p in "12345")),
            )
        )
    with pytest.raises(RuleBroken):
        PriceBand(D("0"), D("10"), tuple(D(p) for p in "54321"))


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
