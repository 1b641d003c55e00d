"""SPEC C9.1, C9.2, C5/R1 (filing), C9.8 (copies), C9.7/C9.13 (step checks), C9.3, C9.6."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.complaints.domain.case_state import CaseState
from services.complaints.domain.deadlines import audit_due, qa_report_due
from services.complaints.domain.filing import Filing, check_filing, closing_copies, copy_quantity
from services.complaints.domain.profiles import builtin_profile
from services.complaints.domain.routing import decide_step, step_due
from shared.rules import RuleBroken, WrongState

MFR = builtin_profile("manufacturer")
RETAIL = builtin_profile("retail")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
FILING = Filing(
    market="domestic", classification="quality", customer="Acme", demand="replace",
    received_at=NOW, order_no="SO-1", part_no="P-1", ship_date=date(2026, 10, 1),
    quantity=100, defective_quantity=5,
)


def _check(defn=MFR, **changes):
    data = {f: getattr(FILING, f) for f in FILING.__slots__}
    check_filing(defn, Filing(**{**data, **changes}), now=NOW, tz=SHANGHAI)


def test_c9_1_manufacturer_filing_needs_order_part_ship_date_quantity():
    _check()
    for name in ("order_no", "part_no", "ship_date", "quantity"):
        with pytest.raises(RuleBroken) as err:
            _check(**{name: None})
        assert (err.value.rule, err.value.field) == ("C9.1", name)


def test_c9_1_defective_quantity_may_be_undetermined_but_not_above_quantity():
    _check(defective_quantity=None)
    with pytest.raises(RuleBroken, match="exceeds"):
        _check(defective_quantity=101)


def test_c9_1_received_in_the_future_or_shipped_after_receipt_refused():
    with pytest.raises(RuleBroken) as err:
        _check(received_at=NOW + timedelta(hours=1))
    assert err.value.field == "received_at"
    with pytest.raises(RuleBroken) as err:
        _check(ship_date=date(2026, 11, 17))
    assert err.value.field == "ship_date"


def test_c9_2_joint_inspection_before_the_form_is_filed():
    _check(joint_inspection_on=date(2026, 11, 16))
    with pytest.raises(RuleBroken) as err:
        _check(joint_inspection_on=date(2026, 11, 17))
    assert err.value.rule == "C9.2"


def test_c5_manufacturer_takes_non_quality_and_quality():
    _check(classification="non_quality")
    with pytest.raises(RuleBroken) as err:
        _check(classification="service")
    assert (err.value.rule, err.value.field) == ("R1", "classification")


def test_r1_retail_adds_service_problems_and_needs_no_order_data():
    _check(RETAIL, classification="service", order_no=None, quantity=None, ship_date=None)


def test_c9_8_return_copies_carry_the_agreed_else_defective_quantity():
    state = CaseState(attributes={"defective_quantity": 40}).with_decision(
        "sales_negotiation", {"handling": "return", "amount": "10.00"}
    )
    assert copy_quantity(state) == 40
    agreed = state.with_decision(
        "sales_negotiation", {"handling": "return", "amount": "10.00", "return_quantity": 38}
    )
    assert copy_quantity(agreed) == 38
    allowance = state.with_decision("sales_negotiation", {"handling": "allowance"})
    assert copy_quantity(allowance) is None


def test_c9_8_five_copies_for_the_manufacturer_form():
    state = CaseState().with_decision("qa_analysis", {"responsible_unit": "assembly"})
    copies = closing_copies(MFR, state)
    assert [c.recipient for c in copies] == [
        "qa", "manufacturing", "sales", "accounting", "gm_office"
    ]
    assert {c.responsible_unit for c in copies} == {"assembly"}


def test_c9_1_return_with_undetermined_quantity_needs_agreed_quantity():
    state = CaseState(attributes={"defective_quantity": None})
    body = {"handling": "return", "amount": "50.00"}
    with pytest.raises(RuleBroken) as err:
        decide_step(MFR, state, "sales_negotiation", body)
    assert (err.value.rule, err.value.field) == ("C9.1", "return_quantity")
    assert decide_step(MFR, state, "sales_negotiation", {**body, "return_quantity": 3})


def test_c9_13_supplier_named_by_qa_is_coordinated_before_consolidation():
    state = CaseState(attributes={"supplier_coordinated": False}).with_decision(
        "qa_analysis", {"supplier": "Resin Co"}
    )
    with pytest.raises(WrongState) as err:
        decide_step(MFR, state, "consolidation", {"summary": "s"})
    assert err.value.rule == "C9.13"
    done = CaseState(attributes={"supplier_coordinated": True}, decisions=state.decisions)
    assert decide_step(MFR, done, "consolidation", {"summary": "s"})["summary"] == "s"


@pytest.mark.parametrize(
    ("cause", "handling", "required"),
    [("process", "allowance", True), ("human_negligence", "allowance", False),
     ("process", "not_valid", False), (None, "return", True)],
)
def test_c9_7_improvement_tracked_unless_human_negligence(cause, handling, required):
    qa = {"cause_category": cause} if cause else {}
    state = (
        CaseState(attributes={"supplier_coordinated": False})
        .with_decision("qa_analysis", qa)
        .with_decision("sales_negotiation", {"handling": handling})
    )
    decided = decide_step(MFR, state, "consolidation", {"summary": "s"})
    assert decided["improvement_tracking"] is required
    if required:
        with pytest.raises(RuleBroken) as err:
            decide_step(MFR, state, "consolidation", {"summary": "s",
                                                      "improvement_tracking": False})
        assert err.value.rule == "C9.7"


def test_c9_3_qa_reports_within_three_days_of_its_investigation():
    investigated = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert qa_report_due(investigated) == investigated + timedelta(days=3)
    form_due = investigated + timedelta(days=5)
    assert audit_due(form_due, {"investigated_at": investigated.isoformat()}) == (
        investigated + timedelta(days=3))
    assert audit_due(form_due, {}) == form_due


def test_c9_6_consolidation_within_a_day_of_sales_result():
    result = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    assert step_due(MFR, "consolidation", result, "foreign") <= result + timedelta(days=1)


def test_q26_a_service_filing_must_carry_its_severity():
    service = builtin_profile("service")
    _check(service, classification="service", severity="general")
    with pytest.raises(RuleBroken) as err:
        _check(service, classification="service")
    assert (err.value.rule, err.value.field) == ("Q26", "severity")
    with pytest.raises(RuleBroken) as err:
        _check(service, classification="service", severity="mild")
    assert (err.value.rule, err.value.field) == ("Q26", "severity")


def test_c9_11_copies_never_carry_more_than_the_approved_amount():
    approved = CaseState(decisions={
        "sales_negotiation": {"handling": "allowance", "amount": "1000.00"},
        "approval": {"approved": True, "approved_amount": "1000.00"},
        "execution": {"amount": "900.00"},
    })
    assert {c.amount for c in closing_copies(MFR, approved)} == {"900.00"}
    lead_only = CaseState(decisions={"lead_review": {"handling": "allowance", "amount": "80"}})
    assert {c.amount for c in closing_copies(RETAIL, lead_only)} == {"80"}


def test_c9_11_execution_after_an_approval_is_bounded_by_it():
    state = CaseState(current_step="execution", decisions={
        "sales_negotiation": {"handling": "allowance", "amount": "1000.00"},
        "approval": {"approved": True, "approved_amount": "1000.00"},
    })
    assert decide_step(MFR, state, "execution", {"amount": "1000.00"})["amount"] == 1000
    with pytest.raises(RuleBroken) as err:
        decide_step(MFR, state, "execution", {"amount": "1000.01"})
    assert (err.value.rule, err.value.field) == ("C9.11", "amount")
    approval = CaseState(current_step="approval", decisions=dict(
        list(state.decisions.items())[:1]))
    assert decide_step(MFR, approval, "approval", {"approved": True})[
        "approved_amount"] == "1000.00"
    assert "approved_amount" not in decide_step(MFR, approval, "approval", {"approved": False})
