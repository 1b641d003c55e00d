"""Pure rules of POS refund and allowance instructions (SPEC §7, R2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.billing.domain import pos as rules
from shared.rules import RuleBroken


def test_r2_return_is_a_refund_and_allowance_an_allowance_nothing_else() -> None:
    assert rules.instruction_type("return") is rules.InstructionType.REFUND
    assert rules.instruction_type("allowance") is rules.InstructionType.ALLOWANCE
    for other in ("reprocess", "compensation", "exchange", "not_valid", None):
        assert rules.instruction_type(other) is None


def test_s7_one_instruction_per_case_confirmed_by_its_own_kind() -> None:
    assert rules.instruction_id("R260401") == "PI-R260401"
    assert rules.confirming_kind("refund") == "return_executed"
    assert rules.confirming_kind(rules.InstructionType.ALLOWANCE) == "allowance_executed"


def test_s7_delivery_back_off_doubles_from_one_second_capped_at_five_minutes() -> None:
    assert [rules.retry_delay(n) for n in range(1, 11)] == [
        1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert rules.retry_delay(10_000) == 300  # no overflow, the cap holds
    assert [rules.retry_delay(n, base=0.2, cap=1.0) for n in (1, 2, 3, 4)] == [
        0.2, 0.4, 0.8, 1.0]
    with pytest.raises(RuleBroken):
        rules.retry_delay(0)
    with pytest.raises(RuleBroken):
        rules.retry_delay(1, base=2, cap=1)


def test_s7_executed_amount_must_be_exact_and_positive_and_is_booked() -> None:
    assert rules.executed_amount("180.01") == Decimal("180.01")
    # Issue 10: more decimals than the currency has are refused, never rounded (was 180.01).
    for bad in ("0", "-5.00", "abc", "NaN", "180.005"):
        with pytest.raises(RuleBroken):
            rules.executed_amount(bad)
    assert rules.amount_differs(Decimal("200.00"), Decimal("180.00"))
    assert not rules.amount_differs(Decimal("200.00"), Decimal("200.00"))
    [debit, credit] = rules.journal_for("refund", Decimal("300.00"))
    assert (debit.account, debit.debit, credit.account, credit.credit) == (
        "sales_returns_and_allowances", Decimal("300.00"), "accounts_receivable",
        Decimal("300.00"))
    assert rules.journal_for("allowance", Decimal("5.00"))[0].debit == Decimal("5.00")
