"""C13.1(2)/C13.2(1): a reprocess slip carries its quantity like a return slip, so that
accounting holds only a real mismatch (issue 13 item 5)."""

import pytest

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.filing import copy_quantity
from services.complaints.domain.profiles import builtin_profile
from services.complaints.domain.routing import decide_step
from shared.rules import RuleBroken

MFR = builtin_profile("manufacturer")


def test_c13_2_1_reprocess_copy_carries_the_agreed_else_defective_quantity():
    state = CaseState(attributes={"defective_quantity": 40}).with_decision(
        "sales_negotiation", {"handling": "reprocess", "amount": "10.00"})
    assert copy_quantity(state) == 40
    agreed = state.with_decision(
        "sales_negotiation", {"handling": "reprocess", "amount": "10.00", "return_quantity": 38})
    assert copy_quantity(agreed) == 38


def test_c13_2_1_reprocess_with_undetermined_quantity_needs_agreed_quantity():
    state = CaseState(attributes={"defective_quantity": None})
    body = {"handling": "reprocess", "amount": "50.00"}
    with pytest.raises(RuleBroken) as err:
        decide_step(MFR, state, "sales_negotiation", body)
    assert (err.value.rule, err.value.field) == ("C9.1", "return_quantity")
    assert decide_step(MFR, state, "sales_negotiation", {**body, "return_quantity": 3})
