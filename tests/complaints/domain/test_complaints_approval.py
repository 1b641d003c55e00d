"""SPEC C9.4 核決權限, C9.11 and R2: who approves what, and what may be promised."""

from decimal import Decimal

import pytest

from services.complaints.domain.approval import (
    DEFAULT_TOP_CEILING,
    MANUFACTURER_MATRIX,
    RETAIL_MATRIX,
    ApprovalMatrix,
    approval_required,
    approver_for,
    approvers_for,
    authority_limit,
    check_approver,
    check_promise_within_authority,
    check_within_approval,
    within_counter_authority,
)
from shared.rules import RuleBroken


@pytest.mark.parametrize(
    ("amount", "role"),
    [
        ("0.00", "sales_manager"),
        ("5000.00", "sales_manager"),
        ("5000.01", "vice_gm"),
        ("50000.00", "vice_gm"),
        ("50000.01", "gm"),
        ("1000000.00", "gm"),
    ],
)
def test_c9_4_approver_by_amount(amount, role):
    assert approver_for(amount, MANUFACTURER_MATRIX) == role


def test_c9_4_not_valid_needs_sales_manager():
    assert approver_for("0.00", MANUFACTURER_MATRIX, handling="not_valid") == "sales_manager"


def test_c9_4_wrong_role_may_not_approve():
    check_approver("vice_gm", "12000.00", MANUFACTURER_MATRIX)
    with pytest.raises(RuleBroken, match="vice_gm"):
        check_approver("sales_manager", "12000.00", MANUFACTURER_MATRIX)


def test_c9_4_thresholds_are_configurable():
    matrix = ApprovalMatrix.model_validate(
        {"tiers": [{"role": "sales_manager", "up_to": "1000"}, {"role": "gm"}]}
    )
    assert approver_for("1000.01", matrix) == "gm"
    assert authority_limit("sales_manager", matrix) == Decimal("1000")
    assert authority_limit("gm", matrix) == DEFAULT_TOP_CEILING  # C9.11: never unbounded
    assert authority_limit("sales", matrix) == Decimal("0.00")


@pytest.mark.parametrize(
    ("tiers", "reason"),
    [
        ([], "at least one tier"),
        ([{"role": "gm"}, {"role": "vice_gm", "up_to": "10"}], "only the last"),
        ([{"role": "vice_gm", "up_to": "2000000"}, {"role": "gm"}], "top tier a ceiling"),
        ([{"role": "gm", "up_to": "10"}, {"role": "vice_gm", "up_to": "5"}], "rise strictly"),
        ([{"role": "boss"}], "unknown role"),
        ([{"role": "gm", "up_to": "0"}], "positive"),
    ],
)
def test_c9_4_ill_formed_matrix_refused_with_reason(tiers, reason):
    with pytest.raises(ValueError, match=reason):
        ApprovalMatrix.model_validate({"tiers": tiers})


def test_c9_11_sales_cannot_promise_above_authority():
    capped = ApprovalMatrix.model_validate(
        {
            "tiers": [
                {"role": "sales_manager", "up_to": "5000.00"},
                {"role": "vice_gm", "up_to": "50000.00"},
                {"role": "gm", "up_to": "500000.00"},
            ]
        }
    )
    assert check_promise_within_authority("sales", "500000.00", capped) == Decimal("500000.00")
    with pytest.raises(RuleBroken) as err:
        check_promise_within_authority("sales", "500000.01", capped)
    assert err.value.rule == "C9.11"
    assert err.value.field == "amount"


def test_c9_11_gm_tier_has_a_ceiling_and_a_promise_above_it_is_refused():
    assert check_promise_within_authority("sales", "1000000.00", MANUFACTURER_MATRIX)
    for amount in ("1000000.01", "99999999.00"):
        with pytest.raises(RuleBroken) as err:
            check_promise_within_authority("sales", amount, MANUFACTURER_MATRIX)
        assert (err.value.field, err.value.rule) == ("amount", "C9.11")
        with pytest.raises(RuleBroken) as err:
            approver_for(amount, MANUFACTURER_MATRIX)
        assert (err.value.field, err.value.rule) == ("amount", "C9.11")


def test_c9_11_an_unbounded_top_tier_gets_the_default_ceiling():
    matrix = ApprovalMatrix.model_validate({"tiers": [{"role": "gm"}]})
    assert matrix.ceiling == DEFAULT_TOP_CEILING == Decimal("1000000.00")


def test_c9_4_a_higher_authority_may_approve_a_lower_amount():
    assert approvers_for("1000.00", MANUFACTURER_MATRIX) == ("sales_manager", "vice_gm", "gm")
    assert approvers_for("12000.00", MANUFACTURER_MATRIX) == ("vice_gm", "gm")
    assert approvers_for("60000.00", MANUFACTURER_MATRIX) == ("gm",)
    check_approver("gm", "1000.00", MANUFACTURER_MATRIX)
    with pytest.raises(RuleBroken):  # a lower authority never approves a higher amount
        check_approver("sales_manager", "60000.00", MANUFACTURER_MATRIX)


def test_c9_4_the_higher_authority_policy_is_configurable():
    strict = MANUFACTURER_MATRIX.model_copy(update={"higher_may_approve": False})
    assert approvers_for("1000.00", strict) == ("sales_manager",)
    with pytest.raises(RuleBroken, match="sales_manager"):
        check_approver("gm", "1000.00", strict)


def test_c9_11_what_is_carried_out_never_exceeds_what_was_approved():
    assert check_within_approval("800.00", "1000.00") == Decimal("800.00")
    assert check_within_approval("1000.00", "1000.00") == Decimal("1000.00")
    with pytest.raises(RuleBroken) as err:
        check_within_approval("1000.01", "1000.00")
    assert (err.value.field, err.value.rule) == ("amount", "C9.11")


def test_r2_counter_may_grant_allowance_within_its_authority():
    assert within_counter_authority("allowance", "500.00", RETAIL_MATRIX)
    assert not approval_required("allowance", "500.00", RETAIL_MATRIX)
    assert approver_for("500.00", RETAIL_MATRIX) == "counter_lead"


def test_r2_allowance_beyond_counter_authority_needs_branch():
    assert approval_required("allowance", "500.01", RETAIL_MATRIX)
    assert approver_for("500.01", RETAIL_MATRIX, handling="allowance") == "branch_manager"


def test_r2_retail_compensation_needs_branch_approval():
    assert approval_required("compensation", "10.00", RETAIL_MATRIX)
    assert approver_for("10.00", RETAIL_MATRIX, handling="compensation") == "branch_manager"


def test_c9_4_manufacturer_always_needs_approval():
    assert approval_required("allowance", "1.00", MANUFACTURER_MATRIX)
