"""The life of a call in the register (SPEC S8, S9), pure."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.intake.domain.call_state import (
    CallStatus,
    check_cancellable,
    check_fileable,
    progressed,
)
from shared.rules import RuleBroken, WrongState

NOW = datetime(2026, 3, 16, 2, tzinfo=UTC)


def test_s8_status_only_moves_forward_whatever_order_reports_arrive_in() -> None:
    # SPEC S8: assigned, arrived and completed reports travel on separate consumers
    assert progressed("registered", "dispatched") is CallStatus.DISPATCHED
    assert progressed("registered", "completed") is CallStatus.COMPLETED
    assert progressed("completed", "dispatched") is None
    assert progressed("in_service", "in_service") is None


def test_s9_customer_signed_completion_wins_over_a_crossing_cancel() -> None:
    # SPEC S9: the work was done and signed; the register must say so
    assert progressed("cancelled", "completed") is CallStatus.COMPLETED
    assert progressed("cancelled", "dispatched") is None
    with pytest.raises(ValueError):
        progressed("registered", "cancelled")


def test_s9_only_a_completed_call_is_filed_and_only_once() -> None:
    # SPEC S9: the clerk cancels (注銷) the call in the register and files the voucher
    check_fileable("completed", None)
    for status in ("registered", "dispatched", "in_service", "cancelled"):
        with pytest.raises(WrongState) as refused:
            check_fileable(status, None)
        assert refused.value.rule == "S9"
    with pytest.raises(WrongState, match="already filed"):
        check_fileable("completed", NOW)


def test_s9_a_call_is_withdrawn_with_a_reason_before_anyone_works_on_it() -> None:
    check_cancellable("registered", "customer fixed it")
    check_cancellable("dispatched", "duplicate call")
    with pytest.raises(RuleBroken) as no_reason:
        check_cancellable("registered", "  ")
    assert no_reason.value.field == "reason"
    for status in ("in_service", "completed", "cancelled"):
        with pytest.raises(WrongState):
            check_cancellable(status, "changed mind")
