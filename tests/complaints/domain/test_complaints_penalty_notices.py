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
    Member,
    Party,
    administrative_line,
    economic_lines,
    split_by_base_points,
)
from services.complaints.domain.statistics import month_bounds
from shared.rules import RuleBroken, WrongState

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_p2_p5_joint_fault_split_then_attributed_to_group_members_and_individual():
    lines = economic_lines("1000.00", [
        Party("manufacturing", "assembly", "3", group="line 2",
              members=(Member("W1", Decimal(2)), Member("W2", Decimal(1)))),
        Party("sales", "export", "1", individual="E1"),
    ])
    got = {(x.person_id, x.amount, x.bearer, x.bearer_level) for x in lines}
    assert got == {("W1", Decimal("500.00"), "line 2", "group"),
                   ("W2", Decimal("250.00"), "line 2", "group"),
                   ("E1", Decimal("250.00"), "E1", "individual")}


def test_p2_individual_fault_bears_the_whole_loss():
    (line,) = economic_lines("321.09", [Party("service", "branch SC01", "1", individual="T01")])
    assert (line.person_id, line.amount) == ("T01", Decimal("321.09"))


def test_p5_manufacturing_without_group_goes_to_section_and_needs_members():
    with pytest.raises(RuleBroken) as err:
        economic_lines("10.00", [Party("manufacturing", "moulding", "1")])
    assert (err.value.rule, err.value.field) == ("P5", "parties.0.members")
    (line,) = economic_lines("10.00", [
        Party("manufacturing", "moulding", "1", members=(Member("W9", Decimal(1)),))])
    assert (line.bearer, line.bearer_level) == ("moulding", "section")


@given(
    cents=st.integers(min_value=0, max_value=10_000_000),
    points=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=8),
)
def test_p6_unit_share_over_members_sums_exactly(cents, points):
    members = [Member(f"P{i}", Decimal(p)) for i, p in enumerate(points)]
    amount = Decimal(cents) / 100
    split = split_by_base_points(amount, members, field="members")
    assert sum(split.values()) == amount
    assert all(v >= 0 for v in split.values())


def test_p3_p4_administrative_line_checks_ground_and_minimum():
    line = administrative_line(person_id="E1", department="sales", unit="export",
                               level="warning", ground="wrong_shipment", base_points=1,
                               monthly_bonus="2000.00")
    assert (line.amount, line.ground, line.kind) == (Decimal("400.00"), "wrong_shipment",
                                                     "administrative")
    with pytest.raises(RuleBroken) as err:
        administrative_line(person_id="E1", department="sales", unit="export",
                            level="warning", ground="bad_luck", base_points=1,
                            monthly_bonus="2000.00")
    assert err.value.rule == "P4"


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
