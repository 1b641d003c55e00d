"""Abnormality sheets as pure rules (SPEC C3): who files, where it goes, open → improved →
closed, and the monthly block that is never a complaint count."""

from __future__ import annotations

import pytest

from services.complaints.domain import abnormality as rules
from shared.rules import Forbidden, RuleBroken, WrongState


def test_c3_a_counter_files_the_retail_survey_form_others_the_abnormality_sheet() -> None:
    assert rules.form_for("counter") == rules.RETAIL_SURVEY
    assert rules.form_for("counter_lead") == rules.RETAIL_SURVEY
    assert rules.form_for("sales") == rules.ABNORMALITY
    assert rules.form_for("qa") == rules.ABNORMALITY


def test_c3_an_issue_that_caused_a_loss_is_refused_as_a_sheet() -> None:
    with pytest.raises(RuleBroken) as err:
        rules.check_filing(role="sales", unit_role="manufacturing", caused_loss=True)
    assert (err.value.field, err.value.rule) == ("caused_loss", "C3")


def test_c3_unknown_unit_and_non_filer_are_refused() -> None:
    with pytest.raises(RuleBroken) as err:
        rules.check_filing(role="sales", unit_role="marketing", caused_loss=False)
    assert err.value.field == "unit_role"
    with pytest.raises(Forbidden):
        rules.check_filing(role="technician", unit_role="qa", caused_loss=False)
    rules.check_filing(role="service_dept", unit_role="manufacturing", caused_loss=False)


def test_c3_only_the_unit_concerned_records_the_improvement_once() -> None:
    with pytest.raises(Forbidden):
        rules.check_improvement(role="qa", unit_role="manufacturing", status=rules.OPEN)
    rules.check_improvement(role="manufacturing", unit_role="manufacturing", status=rules.OPEN)
    with pytest.raises(WrongState):
        rules.check_improvement(role="manufacturing", unit_role="manufacturing",
                                status=rules.IMPROVED)


def test_c3_closing_needs_the_improvement_and_the_filer_or_gm_office() -> None:
    with pytest.raises(WrongState) as err:
        rules.check_closing(role="sales", filed_role="sales", status=rules.OPEN)
    assert err.value.field == "improvement"
    with pytest.raises(Forbidden):
        rules.check_closing(role="manufacturing", filed_role="sales", status=rules.IMPROVED)
    rules.check_closing(role="sales", filed_role="sales", status=rules.IMPROVED)
    rules.check_closing(role="gm_office", filed_role="sales", status=rules.IMPROVED)
    with pytest.raises(WrongState):
        rules.check_closing(role="sales", filed_role="sales", status=rules.CLOSED)


def test_c3_monthly_block_counts_by_status_unit_and_form() -> None:
    block = rules.abnormality_summary([
        rules.SheetLine("manufacturing", rules.OPEN),
        rules.SheetLine("manufacturing", rules.CLOSED),
        rules.SheetLine("counter", rules.IMPROVED, rules.RETAIL_SURVEY),
    ])
    assert block["total"] == 3
    assert block["by_status"] == {"open": 1, "improved": 1, "closed": 1}
    assert block["by_unit"] == [{"unit": "manufacturing", "count": 2},
                                {"unit": "counter", "count": 1}]
    assert block["by_form"] == {"abnormality": 2, "retail_survey": 1}
    assert rules.abnormality_summary([])["total"] == 0
