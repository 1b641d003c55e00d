"""Unit tests for invoice and payment journal entries (SPEC S10, S13, §8)."""

from decimal import Decimal

import pytest

from services.billing.domain.ledger import (
    CASH,
    SERVICE_REVENUE,
    balance_due,
    check_payment,
    journal_for_invoice,
    journal_for_payment,
    settled,
)
from services.billing.domain.returns import ACCOUNTS_RECEIVABLE, is_balanced, reverse
from shared.rules import RuleBroken

D = Decimal


def test_s10_invoice_recognises_receivable_against_revenue():
    lines = journal_for_invoice(D("211.00"))
    assert [(x.account, x.debit, x.credit) for x in lines] == [
        (ACCOUNTS_RECEIVABLE, D("211.00"), D("0.00")), (SERVICE_REVENUE, D("0.00"), D("211.00"))]
    for source in ("contract", "extended_warranty"):
        assert is_balanced(journal_for_invoice(D("1"), source=source))
    with pytest.raises(RuleBroken) as err:
        journal_for_invoice(D("1"), source="gift")
    assert err.value.field == "source"


def test_s10_payment_settles_receivable_and_reversal_nets_to_zero():
    lines = journal_for_payment(D("50"))
    assert lines[0].account == CASH and is_balanced(lines)
    assert is_balanced(lines + reverse(lines))


def test_s10_payment_positive_and_within_balance():
    assert check_payment(amount=D("20"), invoice_amount=D("100"), paid=D("80")) == D("20.00")
    for amount in (D("0"), D("-1"), D("20.01")):
        with pytest.raises(RuleBroken) as err:
            check_payment(amount=amount, invoice_amount=D("100"), paid=D("80"))
        assert (err.value.rule, err.value.field) == ("S10", "amount")


def test_s10_invoice_paid_when_balance_reaches_zero():
    assert balance_due(D("100"), D("40")) == D("60.00")
    assert not settled(invoice_amount=D("100"), paid=D("99.99"))
    assert settled(invoice_amount=D("100"), paid=D("100.00"))
