"""One number, one customer: phones in E.164 with the branch's region (SPEC §1, issue 11)."""

from __future__ import annotations

import pytest

from services.intake.domain import normalise_phone
from shared.rules import RuleBroken


def test_one_number_written_many_ways_is_one_e164_number() -> None:
    forms = ["+8613452928970", "13452928970", "134 5292 8970", "134-5292-8970",
             "+86 134 5292 8970", "(+86) 13452928970"]
    assert {normalise_phone(f, region="CN") for f in forms} == {"+8613452928970"}


def test_a_landline_takes_the_branch_region_and_its_area_code() -> None:
    assert normalise_phone("021-5555-0101", region="CN") == "+862155550101"
    assert normalise_phone("02155550101", region="CN") == "+862155550101"


@pytest.mark.parametrize("phone", ["1", "12345", "abcdefg", "+86 000", "99999999999999"])
def test_a_number_that_cannot_be_real_is_refused_naming_the_field(phone: str) -> None:
    with pytest.raises(RuleBroken) as refused:
        normalise_phone(phone, region="CN", field="customer.phone")
    assert refused.value.field == "customer.phone"
