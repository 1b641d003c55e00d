"""Unit tests for maintenance contracts and the expiry notice (SPEC S6 B, S20)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.billing.domain.contracts import (
    check_term,
    contract_fee,
    covers_on,
    expiry_notice_date,
    months_before,
)
from shared.rules import RuleBroken


def test_s20_notice_one_month_before_the_end():
    assert expiry_notice_date(date(2026, 4, 30)) == date(2026, 3, 30)
    assert expiry_notice_date(date(2027, 1, 15)) == date(2026, 12, 15)


def test_s20_notice_clamps_to_a_shorter_month():
    assert expiry_notice_date(date(2026, 3, 31)) == date(2026, 2, 28)
    assert expiry_notice_date(date(2028, 3, 31)) == date(2028, 2, 29)
    assert months_before(date(2026, 5, 31), 3) == date(2026, 2, 28)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)))
def test_s20_notice_never_later_than_a_month_before(ends_on):
    due = expiry_notice_date(ends_on)
    assert due < ends_on
    assert 28 <= (ends_on - due).days <= 31


def test_s6_contract_term_must_not_end_before_it_starts():
    check_term(starts_on=date(2026, 1, 1), ends_on=date(2026, 1, 1))
    with pytest.raises(RuleBroken) as err:
        check_term(starts_on=date(2026, 2, 1), ends_on=date(2026, 1, 31))
    assert (err.value.rule, err.value.field) == ("S6", "ends_on")
    with pytest.raises(RuleBroken):
        check_term(starts_on=date(2026, 1, 1), ends_on=date(2040, 1, 1))


def test_s6_contract_fee_exact_and_not_negative():
    assert contract_fee("360") == Decimal("360.00")
    with pytest.raises(RuleBroken) as err:
        contract_fee("-0.01")
    assert err.value.field == "fee"


def test_s6_contract_covers_both_ends_inclusive():
    term = {"starts_on": date(2026, 4, 1), "ends_on": date(2027, 3, 31)}
    assert covers_on(**term, day=date(2026, 4, 1)) and covers_on(**term, day=date(2027, 3, 31))
    assert not covers_on(**term, day=date(2027, 4, 1))
