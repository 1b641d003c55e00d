"""三包 windows per product category (SPEC R2b): return, replace, repair, from the file."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain.sanbao import Remedy, Terms, offer, parse_terms
from services.intake.service.sanbao import DEFAULT_FILE, sanbao_table

TABLE = {"tv": Terms(return_days=7, replace_days=15, repair_months=12)}
SOLD = date(2026, 3, 1)


def test_r2b_sanbao_return_then_replace_then_repair_by_the_day() -> None:
    def at(days: int):
        return offer("tv", purchased_on=SOLD, on=SOLD + timedelta(days=days), table=TABLE)

    assert at(0) == at(7) and at(7).remedy is Remedy.RETURN  # type: ignore[union-attr]
    assert at(7).window_ends_on == date(2026, 3, 8)  # type: ignore[union-attr]
    assert (at(8).remedy, at(8).window_ends_on) == (Remedy.REPLACE, date(2026, 3, 16))  # type: ignore[union-attr]
    assert (at(16).remedy, at(16).window_ends_on) == (Remedy.REPAIR, date(2027, 2, 28))  # type: ignore[union-attr]
    assert offer("tv", purchased_on=SOLD, on=date(2027, 3, 1), table=TABLE) is None


def test_r2b_sanbao_no_category_or_an_unlisted_one_offers_nothing() -> None:
    assert offer(None, purchased_on=SOLD, on=SOLD, table=TABLE) is None
    assert offer("drone", purchased_on=SOLD, on=SOLD, table=TABLE) is None
    assert offer(" TV ", purchased_on=SOLD, on=SOLD, table=TABLE) is not None


def test_r2b_sanbao_shipped_file_has_the_statutory_7_15_windows() -> None:
    table = sanbao_table(DEFAULT_FILE)
    assert table["tv"] == Terms(7, 15, 12) and "refrigerator" in table
    with pytest.raises(ValueError, match="tv"):
        parse_terms({"categories": {"tv": {"return_days": 20, "replace_days": 15,
                                           "repair_months": 12}}})


def test_r2b_sanbao_a_company_file_can_lengthen_a_window(tmp_path) -> None:
    path = tmp_path / "sanbao.json"
    path.write_text(json.dumps({"categories": {"tv": {
        "return_days": 30, "replace_days": 30, "repair_months": 36}}}), encoding="utf-8")
    found = offer("tv", purchased_on=SOLD, on=SOLD + timedelta(days=20),
                  table=sanbao_table(path))
    assert found is not None and found.remedy is Remedy.RETURN


@given(st.integers(min_value=0, max_value=800))
def test_r2b_sanbao_the_offer_never_improves_as_time_passes(days: int) -> None:
    order = [Remedy.RETURN, Remedy.REPLACE, Remedy.REPAIR, None]
    now = offer("tv", purchased_on=SOLD, on=SOLD + timedelta(days=days), table=TABLE)
    later = offer("tv", purchased_on=SOLD, on=SOLD + timedelta(days=days + 1), table=TABLE)
    rank = [order.index(x.remedy if x else None) for x in (now, later)]
    assert rank[0] <= rank[1]
    assert now is None or SOLD + timedelta(days=days) <= now.window_ends_on
