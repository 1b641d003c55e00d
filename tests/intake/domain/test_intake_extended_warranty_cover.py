"""The extended warranty a sale carries, as intake computes it itself (SPEC E1, S6)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake import domain
from services.intake.domain import Cover, ServiceCategory


def test_s6_e1_extended_warranty_starts_the_day_after_the_makers_and_runs_its_years() -> None:
    # SPEC E1: from the day after the maker's warranty ends, for the years bought
    assert domain.extended_warranty_cover(date(2027, 11, 19), 3) == (
        date(2027, 11, 20), date(2030, 11, 19))
    assert domain.extended_warranty_cover(date(2026, 12, 31), 1) == (
        date(2027, 1, 1), date(2027, 12, 31))


def test_s6_e1_a_term_starting_on_29_february_ends_with_february() -> None:
    assert domain.extended_warranty_cover(date(2028, 2, 28), 1) == (
        date(2028, 2, 29), date(2029, 2, 28))
    assert domain.extended_warranty_cover(date(2028, 2, 28), 4) == (
        date(2028, 2, 29), date(2032, 2, 28))


@pytest.mark.parametrize("years", [0, 6, -1])
def test_s6_e1_a_term_outside_one_to_five_years_is_not_a_cover(years: int) -> None:
    with pytest.raises(ValueError):
        domain.extended_warranty_cover(date(2027, 1, 1), years)


@given(ends=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       years=st.integers(min_value=1, max_value=5))
def test_s6_e1_the_cover_follows_the_makers_without_gap_or_overlap(ends: date,
                                                                   years: int) -> None:
    starts_on, ends_on = domain.extended_warranty_cover(ends, years)
    assert starts_on == ends + timedelta(days=1)
    # a year is 365 or 366 days; the term is `years` of them, less one day (inclusive)
    assert 365 * years - 1 <= (ends_on - starts_on).days <= 366 * years
    # S6: the day after the maker's warranty the call is B, the day after the cover A
    cover = [Cover("extended_warranty", starts_on, ends_on)]
    on = {d: domain.decide_category(on=d, warranty_ends=ends, covers=cover)
          for d in (ends, starts_on, ends_on, ends_on + timedelta(days=1))}
    assert list(on.values()) == [ServiceCategory.C, ServiceCategory.B, ServiceCategory.B,
                                 ServiceCategory.A]


@given(ends=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
       years=st.integers(min_value=1, max_value=5))
def test_s6_e1_intake_and_billing_agree_on_the_window(ends: date, years: int) -> None:
    # The two services compute it apart (neither imports the other); they must agree,
    # or a call would be B in intake for a day billing's contract does not cover.
    from services.billing.domain.extended_warranty import warranty_window

    assert domain.extended_warranty_cover(ends, years) == warranty_window(ends, years)
