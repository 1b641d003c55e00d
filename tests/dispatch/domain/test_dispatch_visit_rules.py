"""Assigning and visiting (SPEC S8, S9, S11, S19, CT1, E3/E4), pure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.dispatch.domain.visits import (
    CAUSES,
    COMPONENTS,
    check_arrival,
    check_assignable,
    check_carry_in,
    check_completion,
    check_findings,
    check_technician,
    sla_met,
)
from shared.claimed import CLOCK_SKEW, DEFAULT_DEVICE_WINDOW, accept_claim
from shared.rules import RuleBroken, WrongState

RECEIVED = datetime(2026, 3, 16, 2, tzinfo=UTC)
DUE = datetime(2026, 3, 16, 9, tzinfo=UTC)
NOW = datetime(2026, 3, 16, 10, tzinfo=UTC)


def test_s19_sla_met_up_to_and_including_the_deadline() -> None:
    assert sla_met(DUE, DUE)
    assert sla_met(DUE - timedelta(minutes=1), DUE)
    assert not sla_met(DUE + timedelta(seconds=1), DUE)


def _arrival(at: datetime | None, *, role: str = "technician", reason: str | None = None):
    return accept_claim(at, now=NOW, window=DEFAULT_DEVICE_WINDOW, field="at",
                        actor_role=role, actor_id="T01", reason=reason, not_before=RECEIVED,
                        what="the arrival time")


def test_s19_offline_technician_is_judged_by_the_device_time() -> None:
    # synced an hour after the deadline, but arrived before it: within the device window
    arrived = _arrival(DUE - timedelta(minutes=30))
    assert sla_met(arrived.at, DUE) and not arrived.backdated
    assert _arrival(None).at == NOW


def test_ct1_impossible_device_times_are_refused() -> None:
    _arrival(NOW + CLOCK_SKEW)
    with pytest.raises(RuleBroken, match="future") as future:
        _arrival(NOW + CLOCK_SKEW + timedelta(seconds=1))
    assert (future.value.field, future.value.rule) == ("at", "CT1")
    with pytest.raises(RuleBroken, match="before") as early:
        _arrival(RECEIVED - timedelta(minutes=1), role="supervisor", reason="paper slip")
    assert early.value.rule == "CT1"


def test_e3_a_covered_job_names_the_component_and_the_cause() -> None:
    check_findings("A", component=None, cause=None)  # paid work: the customer pays anyway
    check_findings("B", component="power_supply", cause="power_surge")
    for component, cause, missing in (
            (None, "wear", "component"), ("display", None, "cause"), (None, None, "component")):
        with pytest.raises(RuleBroken) as refused:
            check_findings("B", component=component, cause=cause)
        assert (refused.value.field, refused.value.rule) == (missing, "E3")


def test_e3_e4_values_are_billing_s_component_and_cause() -> None:
    assert set(CAUSES) == {"defect", "wear", "power_surge", "misuse", "accidental_damage"}
    assert {"remote_control", "consumable", "main_board"} <= set(COMPONENTS)


def test_s8_only_a_technician_of_the_branch_is_dispatched() -> None:
    check_technician("technician", branch="SC01", technician_id="T01")
    for role in ("supervisor", None):
        with pytest.raises(RuleBroken) as refused:
            check_technician(role, branch="SC01", technician_id="X")
        assert refused.value.field == "technician_id"


def test_s8_reassignment_only_before_arrival() -> None:
    assert check_assignable("waiting", None, "T01") is False
    assert check_assignable("assigned", "T01", "T02") is True
    with pytest.raises(WrongState):
        check_assignable("assigned", "T01", "T01")
    for status in ("on_site", "in_workshop", "completed", "cancelled"):
        with pytest.raises(WrongState) as refused:
            check_assignable(status, "T01", "T02")
        assert refused.value.rule == "S8"


def test_s9_arrive_once_complete_once_after_arrival() -> None:
    check_arrival("assigned")
    for status in ("waiting", "on_site", "completed"):
        with pytest.raises(WrongState):
            check_arrival(status)
    check_completion("on_site")
    with pytest.raises(WrongState, match="already completed"):
        check_completion("completed")
    with pytest.raises(WrongState, match="after arrival"):
        check_completion("assigned")


def test_s11_carry_in_from_site_with_a_promised_date_not_past() -> None:
    today = date(2026, 3, 16)
    check_carry_in("on_site", "call", today, today)
    with pytest.raises(RuleBroken) as past:
        check_carry_in("on_site", "call", today - timedelta(days=1), today)
    assert past.value.field == "promised_on"
    with pytest.raises(WrongState):
        check_carry_in("assigned", "call", today, today)
    with pytest.raises(WrongState):
        check_carry_in("on_site", "renewal", today, today)
