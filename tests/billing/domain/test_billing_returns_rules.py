"""Unit tests for returns and allowances accounting (SPEC C13.1, C13.2)."""

from decimal import Decimal

import pytest

from services.billing.domain.returns import (
    ACCOUNTS_RECEIVABLE,
    SALES_RETURNS_AND_ALLOWANCES,
    AllowanceProof,
    JournalLine,
    Receivable,
    ReturnProof,
    allowance_ready_to_book,
    booked_amount,
    collection_rate,
    delayed_in_month,
    is_balanced,
    journal_for_allowance,
    journal_for_return,
    over_acceptance_check,
    require_allowance_ready,
    require_proof,
    reverse,
)
from shared.rules import RuleBroken

D = Decimal


def test_c13_2_1_within_order_ratio_books_received_qty():
    decision = over_acceptance_check(approved_qty=100, received_qty=108, order_ratio=D("0.10"))
    assert (decision.book_qty, decision.held) == (108, False)


def test_c13_2_1_default_ratio_when_order_has_none():
    assert (
        over_acceptance_check(approved_qty=100, received_qty=105, order_ratio=None).book_qty == 105
    )
    assert over_acceptance_check(approved_qty=100, received_qty=106, order_ratio=None).held


def test_c13_2_1_beyond_ratio_held():
    decision = over_acceptance_check(approved_qty=100, received_qty=111, order_ratio=D("0.10"))
    assert decision.held
    assert decision.book_qty is None
    assert "beyond tolerance" in decision.reason


def test_c13_2_1_shortfall_beyond_ratio_held_by_default():
    decision = over_acceptance_check(approved_qty=100, received_qty=80, order_ratio=None)
    assert decision.held


def test_c13_2_1_shortfall_booked_under_literal_seed_reading():
    decision = over_acceptance_check(
        approved_qty=100, received_qty=80, order_ratio=None, hold_shortfalls=False
    )
    assert (decision.book_qty, decision.held) == (80, False)


def test_c13_2_1_exact_match_books():
    decision = over_acceptance_check(approved_qty=7, received_qty=7, order_ratio=D("0"))
    assert (decision.book_qty, decision.held) == (7, False)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"approved_qty": 0, "received_qty": 1, "order_ratio": None}, "approved_qty"),
        ({"approved_qty": 1, "received_qty": -1, "order_ratio": None}, "received_qty"),
        ({"approved_qty": 1, "received_qty": 1, "order_ratio": D("-0.1")}, "order_ratio"),
    ],
)
def test_c13_2_1_bad_input_names_field(kwargs, field):
    with pytest.raises(RuleBroken) as err:
        over_acceptance_check(**kwargs)
    assert err.value.field == field


def test_c13_2_4_return_needs_proof():
    with pytest.raises(RuleBroken) as err:
        require_proof("return", None)
    assert (err.value.rule, err.value.field) == ("C13.2(4)", "proof")
    assert require_proof("return", "sales_return_certificate") is (
        ReturnProof.SALES_RETURN_CERTIFICATE
    )


def test_c13_2_4_allowance_proof_is_not_return_proof():
    with pytest.raises(RuleBroken) as err:
        require_proof("return", AllowanceProof.ALLOWANCE_CERTIFICATE_SIGNED_BACK)
    assert err.value.rule == "C13.2(4)"


def test_c13_2_5_allowance_needs_proof_of_its_kind():
    with pytest.raises(RuleBroken) as err:
        require_proof("allowance", ReturnProof.STAMPED_ORIGINAL_INVOICE)
    assert err.value.rule == "C13.2(5)"
    with pytest.raises(RuleBroken):
        require_proof("allowance", "")
    assert require_proof("allowance", AllowanceProof.STAMPED_INVOICE_COPY_WITH_ALLOWANCE)


def test_c13_1_1_allowance_needs_manager_and_gm_approval():
    assert not allowance_ready_to_book({"sales_manager"}, customer_signed=True)
    assert not allowance_ready_to_book({"gm"}, customer_signed=True)
    assert allowance_ready_to_book({"sales_manager", "vice_gm"}, customer_signed=True)
    assert allowance_ready_to_book({"branch_manager", "gm"}, customer_signed=True)


def test_c13_1_1_allowance_needs_customer_signature():
    assert not allowance_ready_to_book({"sales_manager", "gm"}, customer_signed=False)
    with pytest.raises(RuleBroken) as err:
        require_allowance_ready({"sales_manager"}, customer_signed=False)
    assert err.value.rule == "C13.1(1)"
    assert "gm_approval" in err.value.message
    assert "customer_signature" in err.value.message


def test_c13_2_return_journal_balanced():
    lines = journal_for_return(D("1234.57"))
    assert lines == [
        JournalLine(account=SALES_RETURNS_AND_ALLOWANCES, debit=D("1234.57")),
        JournalLine(account=ACCOUNTS_RECEIVABLE, credit=D("1234.57")),
    ]
    assert is_balanced(lines)
    with pytest.raises(RuleBroken):  # issue 10: 1234.565 is refused, no longer rounded
        journal_for_return(D("1234.565"))


def test_c13_1_1_allowance_journal_balanced():
    lines = journal_for_allowance(D("50"))
    assert is_balanced(lines)
    assert lines[0].account == SALES_RETURNS_AND_ALLOWANCES and lines[0].debit == D("50.00")


def test_c13_2_journal_refuses_non_positive_amount():
    with pytest.raises(RuleBroken) as err:
        journal_for_return(D("0"))
    assert err.value.field == "amount"


def test_c13_2_reversal_nets_to_zero():
    booked = journal_for_allowance(D("88.80"))
    reversal = reverse(booked)
    for account in {x.account for x in booked}:
        net = sum((x.debit - x.credit for x in booked + reversal if x.account == account), D("0"))
        assert net == 0
    assert is_balanced(reversal)


def test_c13_2_reverse_refuses_unbalanced_entry():
    with pytest.raises(RuleBroken):
        reverse([JournalLine(account=ACCOUNTS_RECEIVABLE, debit=D("1.00"))])


def test_c13_2_3_collection_rate_excludes_complaint_part_numbers():
    receivables = [
        Receivable(part_no="P1", amount_due=D("1000"), amount_collected=D("900")),
        Receivable(part_no="P2", amount_due=D("1000"), amount_collected=D("0")),
    ]
    assert collection_rate(receivables, set()) == D("0.4500")
    assert collection_rate(receivables, {"P2"}) == D("0.9000")
    assert collection_rate(receivables, {"P1", "P2"}) is None


def test_c13_2_1_booked_amount_is_approved_amount_pro_rata():
    assert booked_amount(amount=D("1000.00"), approved_qty=100, book_qty=104) == D("1040.00")
    assert booked_amount(amount=D("100.00"), approved_qty=3, book_qty=1) == D("33.33")
    with pytest.raises(RuleBroken) as err:
        booked_amount(amount=D("100.00"), approved_qty=3, book_qty=0)
    assert err.value.field == "book_qty"


def test_c13_2_3_delay_excludes_every_month_it_overlaps():
    span = {"opened_on": "2026-03-12", "resolved_on": "2026-05-02"}
    assert [delayed_in_month(**span, month=m) for m in ("2026-02", "2026-03", "2026-05",
                                                         "2026-06")] == [
        False, True, True, False]
    assert delayed_in_month(opened_on="2026-03-12", resolved_on=None, month="2027-01")


# --- SPEC C13.1(2)b, C13.2(1)b ------------------------------------------------------------


def test_c13_1_2b_the_profiles_manager_approves_the_slip() -> None:
    from services.billing.domain.returns import slip_approvers

    assert slip_approvers("manufacturer") == {"sales_manager"}
    assert slip_approvers("retail") == slip_approvers("service") == {"branch_manager"}
    assert slip_approvers(None) == {"sales_manager", "branch_manager"}


def test_c13_1_2b_copies_one_to_sales_then_two_three_four_from_the_warehouse() -> None:
    from services.billing.domain.returns import ROUTES_ON_APPROVAL, ROUTES_ON_RECEIPT

    assert [(r.copy_no, r.holder) for r in ROUTES_ON_APPROVAL] == [
        (1, "sales"), (2, "warehouse"), (3, "warehouse"), (4, "warehouse")]
    assert [(r.copy_no, r.holder) for r in ROUTES_ON_RECEIPT] == [
        (2, "warehouse"), (3, "accounting"), (4, "sales")]


def test_c13_1_2b_a_differing_receipt_needs_a_note_and_a_signature() -> None:
    from services.billing.domain.returns import require_receipt_signature

    require_receipt_signature(approved_qty=5, received_qty=5, signed_by=None, note=None)
    with pytest.raises(RuleBroken) as err:
        require_receipt_signature(approved_qty=5, received_qty=4, signed_by="W", note=" ")
    assert (err.value.field, err.value.rule) == ("note", "C13.1(2)b")
    with pytest.raises(RuleBroken) as err:
        require_receipt_signature(approved_qty=5, received_qty=6, signed_by="", note="asked")
    assert err.value.field == "signed_by"
    require_receipt_signature(approved_qty=5, received_qty=6, signed_by="W", note="asked")


def test_c13_2_1b_amount_check_is_exact_to_the_cent() -> None:
    from services.billing.domain.returns import amount_check

    assert not amount_check(expected=Decimal("500.00"), stated=Decimal("500")).held
    held = amount_check(expected=Decimal("500.00"), stated=Decimal("500.01"))
    assert held.held and "differs from approved 500.00" in held.reason
    assert amount_check(expected=Decimal("500.00"), stated=Decimal("499.99")).held
