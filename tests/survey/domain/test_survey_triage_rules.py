"""SPEC Q26 pure rule of the service department's triage: serious or general, a change
of the customer's choice needs a reason, a complaint is triaged once."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.survey.domain import triage as domain
from shared.rules import RuleBroken, WrongState

SEVERITY = st.sampled_from(["serious", "general"])
REASON = st.one_of(st.none(), st.text(max_size=20))


def test_q26_change_without_reason_is_refused_naming_reason() -> None:
    with pytest.raises(RuleBroken) as err:
        domain.check_triage(status=domain.AWAITING, customer_severity="general",
                            severity="serious", reason="  ")
    assert (err.value.field, err.value.rule, err.value.status_code) == ("reason", "Q26", 422)


def test_q26_confirming_needs_no_reason_and_a_changed_one_keeps_it() -> None:
    same = domain.check_triage(status=domain.AWAITING, customer_severity="serious",
                               severity="serious", reason=None)
    assert (same.severity, same.changed, same.reason) == ("serious", False, None)
    changed = domain.check_triage(status=domain.AWAITING, customer_severity="serious",
                                  severity="general", reason=" a late visit, no harm ")
    assert (changed.severity, changed.changed, changed.reason) == (
        "general", True, "a late visit, no harm")


@pytest.mark.parametrize(("status", "customer"), [
    (None, None), (domain.RAISED, "general"), (domain.AWAITING, None)])
def test_q26_only_a_complaint_awaiting_triage_can_be_triaged(status, customer) -> None:
    with pytest.raises(WrongState) as err:
        domain.check_triage(status=status, customer_severity=customer, severity="general",
                            reason="x")
    assert (err.value.rule, err.value.status_code) == ("Q26", 409)


@pytest.mark.parametrize("severity", ["urgent", "", None, "Serious", 1])
def test_q26_severity_is_serious_or_general(severity) -> None:
    with pytest.raises(RuleBroken) as err:
        domain.check_triage(status=domain.AWAITING, customer_severity="general",
                            severity=severity, reason="because")
    assert (err.value.field, err.value.rule) == ("severity", "Q26")


@given(customer=SEVERITY, severity=SEVERITY, reason=REASON)
def test_q26_a_triage_stands_iff_it_keeps_the_choice_or_says_why(customer, severity,
                                                                 reason) -> None:
    says_why = bool(reason and reason.strip())
    try:
        verdict = domain.check_triage(status=domain.AWAITING, customer_severity=customer,
                                      severity=severity, reason=reason)
    except RuleBroken as exc:
        assert exc.field == "reason" and severity != customer and not says_why
    else:
        assert severity == customer or says_why
        assert (verdict.severity, verdict.customer_severity) == (severity, customer)
