"""SPEC P2, P5, P6 (decisions down to people), P3/P4 (administrative), P8 (notices)."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.complaints.domain.notices import (
    DecidedPenalty,
    check_publishable,
    month_of,
    notices,
    publication_due,
)
from services.complaints.domain.penalty_decisions import (
    Party,
    administrative_decision,
    check_supersession,
    economic_decisions,
)
from services.complaints.domain.statistics import month_bounds
from shared.rules import RuleBroken, WrongState

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_p2_p5_joint_fault_split_then_named_by_reference_not_numbers():
    found = economic_decisions("1000.00", [
        Party("manufacturing", "assembly", "3", group="assembly-line2"),
        Party("sales", "export", "1", individual="E1"),
    ])
    got = {(d.unit, d.person_id, d.loss_share, d.bearer_level, d.party_key) for d in found}
    assert got == {("assembly-line2", None, Decimal("750.00"), "group", "unit:assembly-line2"),
                   ("export", "E1", Decimal("250.00"), "individual", "person:E1")}


def test_p2_individual_fault_bears_the_whole_loss():
    (d,) = economic_decisions("321.09", [Party("service", "SC01", "1", individual="T01")])
    assert (d.person_id, d.loss_share, d.bearer) == ("T01", Decimal("321.09"), "T01")


def test_p5_manufacturing_without_group_goes_to_the_section():
    (d,) = economic_decisions("10.00", [Party("manufacturing", "moulding", "1")])
    assert (d.bearer, d.bearer_level, d.person_id) == ("moulding", "section", None)


def test_p2_the_same_party_twice_in_one_decision_is_refused():
    with pytest.raises(RuleBroken) as err:
        economic_decisions("10.00", [Party("sales", "export", "1", individual="E1"),
                                     Party("sales", "export", "1", individual="E1")])
    assert (err.value.field, err.value.rule) == ("parties.1", "P2")


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    ratios=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
)
def test_p2_shares_of_one_decision_sum_exactly_to_the_loss(cents, ratios):
    amount = Decimal(cents) / 100
    found = economic_decisions(amount, [Party("sales", f"U{i}", r)
                                        for i, r in enumerate(ratios)])
    assert sum(d.loss_share for d in found) == amount


def test_p3_p4_administrative_decision_checks_ground_and_minimum():
    d = administrative_decision(person_id="E1", department="sales", unit="export",
                                level="warning", ground="wrong_shipment")
    assert (d.amount, d.ground, d.kind) == (Decimal("400.00"), "wrong_shipment",
                                            "administrative")
    with pytest.raises(RuleBroken) as err:
        administrative_decision(person_id="E1", department="sales", unit="export",
                                level="warning", ground="bad_luck")
    assert err.value.rule == "P4"


def test_p2_a_correction_names_an_effective_decision_of_the_case_and_says_why():
    ok = {"kind": "economic", "old_kind": "economic", "old_case_no": "C1", "case_no": "C1",
          "old_superseded": False, "reason": "ratio misjudged"}
    check_supersession(**ok)
    with pytest.raises(RuleBroken):
        check_supersession(**{**ok, "old_case_no": "C2"})
    with pytest.raises(RuleBroken) as err:
        check_supersession(**{**ok, "reason": " "})
    assert err.value.field == "reason"
    with pytest.raises(WrongState):
        check_supersession(**{**ok, "old_superseded": True})


def test_p8_one_notice_per_person_summing_the_month():
    found = notices("2026-11", [
        DecidedPenalty("E2", "export", Decimal("100.00"), "261101"),
        DecidedPenalty("E1", "export", Decimal("450.00"), "261101"),
        DecidedPenalty("E1", "export", Decimal("400.00"), "261103", kind="administrative"),
    ])
    assert [(n.notice_no, n.person_id, n.amount) for n in found] == [
        ("PN2611-001", "E1", Decimal("850.00")), ("PN2611-002", "E2", Decimal("100.00"))]
    assert found[0].case_nos == ("261101", "261103")
    assert (found[0].economic, found[0].administrative) == (Decimal("450.00"),
                                                            Decimal("400.00"))


def test_p8_published_from_the_1st_due_on_the_10th_of_next_month():
    assert publication_due("2026-12", SHANGHAI) == datetime(2027, 1, 9, 16, 0, tzinfo=UTC)
    with pytest.raises(WrongState):
        check_publishable("2026-11", datetime(2026, 11, 30, 15, 59, tzinfo=UTC), SHANGHAI)
    check_publishable("2026-11", datetime(2026, 11, 30, 16, 0, tzinfo=UTC), SHANGHAI)
    assert month_of(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), SHANGHAI) == "2026-12"


def test_c9_10_month_bounds_in_the_company_zone():
    start, end = month_bounds("2026-11", SHANGHAI)
    assert (start, end) == (datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
                            datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
