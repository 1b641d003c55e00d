"""Returns and allowances accounting (SPEC C13.1, C13.2).

C13.2(1) tolerance, defined precisely: with ``ratio`` the order's over-acceptance ratio
(else the company default **[choice: 5%]**) the received quantity is booked when
``|received − approved| ≤ approved × ratio``; otherwise the entry is held for review.
The seed reads literally "received less than approved, or more than approved within the
ratio", i.e. any shortfall would be booked as received. A real accountant would hold an
under-receipt beyond tolerance just as an over-receipt (it may be goods lost in transit or
a customer still holding stock), so **[choice]** shortfalls count too by default;
``hold_shortfalls=False`` gives the seed's literal reading.

Journal entries are balanced and immutable: a booked entry is corrected by a reversing
entry (debits and credits swapped), never edited. **[choice]** amounts are booked gross;
output-tax splitting is left to the ledger's chart of accounts.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from services.billing.domain.money import exact_decimal, positive_money
from shared.money import ZERO, parse_money, round_money
from shared.rules import RuleBroken

DEFAULT_OVER_ACCEPTANCE_RATIO = Decimal("0.05")  # [choice] company default

SALES_RETURNS_AND_ALLOWANCES = "sales_returns_and_allowances"
ACCOUNTS_RECEIVABLE = "accounts_receivable"

MANAGER_ROLES = frozenset({"sales_manager", "branch_manager"})  # (vice) manager level
GM_ROLES = frozenset({"vice_gm", "gm"})  # (vice) general manager level


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome of the over-acceptance check: book ``book_qty`` or hold (SPEC C13.2(1))."""

    book_qty: int | None
    held: bool
    reason: str


def _whole(value: int, *, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RuleBroken(f"must be an integer ≥ {minimum}", field=field, rule="C13.2(1)")
    return value


def over_acceptance_check(
    *,
    approved_qty: int,
    received_qty: int,
    order_ratio: Decimal | None,
    default_ratio: Decimal = DEFAULT_OVER_ACCEPTANCE_RATIO,
    hold_shortfalls: bool = True,
) -> Decision:
    """Book the received quantity within tolerance, else hold for review (SPEC C13.2(1))."""
    approved = _whole(approved_qty, field="approved_qty", minimum=1)
    received = _whole(received_qty, field="received_qty", minimum=0)
    ratio_field = "order_ratio" if order_ratio is not None else "default_ratio"
    ratio = exact_decimal(
        order_ratio if order_ratio is not None else default_ratio,
        field=ratio_field,
        rule="C13.2(1)",
    )
    if not Decimal(0) <= ratio < 1:
        raise RuleBroken("must be in [0, 1)", field=ratio_field, rule="C13.2(1)")
    tolerance = approved * ratio
    difference = received - approved
    if difference == 0:
        return Decision(book_qty=received, held=False, reason="received matches approved")
    if difference < 0 and not hold_shortfalls:
        return Decision(book_qty=received, held=False, reason="shortfall booked as received")
    direction = "over" if difference > 0 else "under"
    if abs(difference) <= tolerance:
        return Decision(
            book_qty=received,
            held=False,
            reason=f"{direction} by {abs(difference)}, within tolerance {tolerance} ({ratio})",
        )
    return Decision(
        book_qty=None,
        held=True,
        reason=f"{direction} by {abs(difference)}, beyond tolerance {tolerance} ({ratio})",
    )


class ReturnProof(StrEnum):
    """Acceptable proof of a sales return, stamped by the buyer (SPEC C13.2(4))."""

    STAMPED_ORIGINAL_INVOICE = "stamped_original_invoice"
    STAMPED_INVOICE_COPY_WITH_QUANTITIES = "stamped_invoice_copy_with_quantities"
    SALES_RETURN_CERTIFICATE = "sales_return_certificate"


class AllowanceProof(StrEnum):
    """Acceptable proof of a sales allowance (SPEC C13.2(5))."""

    STAMPED_INVOICE_COPY_WITH_ALLOWANCE = "stamped_invoice_copy_with_allowance"
    ALLOWANCE_CERTIFICATE_SIGNED_BACK = "allowance_certificate_signed_back"


class AdjustmentKind(StrEnum):
    """A sales adjustment decided in a complaint (SPEC C13.1)."""

    RETURN = "return"
    ALLOWANCE = "allowance"


_PROOFS: dict[AdjustmentKind, tuple[type[StrEnum], str]] = {
    AdjustmentKind.RETURN: (ReturnProof, "C13.2(4)"),
    AdjustmentKind.ALLOWANCE: (AllowanceProof, "C13.2(5)"),
}


def require_proof(
    kind: AdjustmentKind | str, proof: ReturnProof | AllowanceProof | str | None
) -> ReturnProof | AllowanceProof:
    """The proof, if it is one the adjustment accepts; else RuleBroken (SPEC C13.2(4)/(5))."""
    try:
        adjustment = AdjustmentKind(kind)
    except ValueError as exc:
        raise RuleBroken(f"unknown: {kind!r}", field="kind", rule="C13.1") from exc
    accepted, rule = _PROOFS[adjustment]
    if proof is None or proof == "":
        raise RuleBroken(f"a {adjustment} needs proof", field="proof", rule=rule)
    try:
        return accepted(proof)  # type: ignore[return-value]
    except ValueError as exc:
        allowed = ", ".join(p.value for p in accepted)
        raise RuleBroken(f"{proof!r} is not accepted; one of: {allowed}",
                         field="proof", rule=rule) from exc


def missing_allowance_signatures(approvals: Collection[str], customer_signed: bool) -> list[str]:
    """What an allowance certificate still lacks before booking (SPEC C13.1(1))."""
    missing: list[str] = []
    if not MANAGER_ROLES & set(approvals):
        missing.append("manager_approval")
    if not GM_ROLES & set(approvals):
        missing.append("gm_approval")
    if not customer_signed:
        missing.append("customer_signature")
    return missing


def allowance_ready_to_book(approvals: Collection[str], customer_signed: bool) -> bool:
    """(Vice) manager and (vice) GM approved and the customer signed (SPEC C13.1(1))."""
    return not missing_allowance_signatures(approvals, customer_signed)


def require_allowance_ready(approvals: Collection[str], customer_signed: bool) -> None:
    """Raise RuleBroken naming what is missing before an allowance is booked (C13.1(1))."""
    if missing := missing_allowance_signatures(approvals, customer_signed):
        raise RuleBroken("missing " + ", ".join(missing), field="approvals", rule="C13.1(1)")


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One side of a journal voucher line; exactly one of debit/credit is non-zero."""

    account: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO


def _adjustment_entry(amount: Decimal, rule: str) -> list[JournalLine]:
    value = positive_money(amount, field="amount", rule=rule)
    return [
        JournalLine(account=SALES_RETURNS_AND_ALLOWANCES, debit=value),
        JournalLine(account=ACCOUNTS_RECEIVABLE, credit=value),
    ]


def journal_for_return(amount: Decimal) -> list[JournalLine]:
    """Dr sales returns & allowances, Cr accounts receivable (SPEC C13.2(1)/(4))."""
    return _adjustment_entry(amount, "C13.2(4)")


def journal_for_allowance(amount: Decimal) -> list[JournalLine]:
    """Dr sales returns & allowances, Cr accounts receivable (SPEC C13.1(1), C13.2(5))."""
    return _adjustment_entry(amount, "C13.2(5)")


def is_balanced(lines: Sequence[JournalLine]) -> bool:
    """Total debits equal total credits (double entry)."""
    return sum((x.debit for x in lines), ZERO) == sum((x.credit for x in lines), ZERO)


def reverse(lines: Sequence[JournalLine]) -> list[JournalLine]:
    """The reversing entry for a booked one: debits and credits swapped (SPEC C13.2)."""
    if not lines or not is_balanced(lines):
        raise RuleBroken("only a balanced entry reverses", field="lines", rule="C13.2")
    return [JournalLine(account=x.account, debit=x.credit, credit=x.debit) for x in lines]


@dataclass(frozen=True, slots=True)
class Receivable:
    """A salesperson's receivable on one part number: due and collected so far."""

    part_no: str
    amount_due: Decimal
    amount_collected: Decimal


def collection_rate(
    receivables: Iterable[Receivable], excluded_part_numbers: Collection[str]
) -> Decimal | None:
    """Collected ÷ due, leaving out complaint-delayed part numbers (SPEC C13.2(3))."""
    excluded = set(excluded_part_numbers)
    due = collected = ZERO
    for item in receivables:
        if item.part_no in excluded:
            continue  # whole receivable leaves numerator and denominator
        due += parse_money(item.amount_due, field="amount_due", rule="C13.2(3)")
        collected += parse_money(item.amount_collected, field="amount_collected",
                                 rule="C13.2(3)")
    if due <= 0:
        return None
    return (collected / due).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def booked_amount(*, amount: Decimal, approved_qty: int, book_qty: int) -> Decimal:
    """The credit for the quantity booked: the approved amount pro rata (SPEC C13.2(1))."""
    value = positive_money(amount, field="amount", rule="C13.2(1)")
    approved = _whole(approved_qty, field="approved_qty", minimum=1)
    booked = _whole(book_qty, field="book_qty", minimum=1)
    return round_money(value * booked / approved)  # HALF_UP: a pro-rata share


def delayed_in_month(*, opened_on: str, resolved_on: str | None, month: str) -> bool:
    """Whether a complaint delay (ISO dates) overlaps ``month`` (``YYYY-MM``, SPEC C13.2(3)).

    The delay runs from the day accounting learned of the complaint until the day its
    adjustment was booked, both inclusive; any overlap excludes the month's receivable.
    """
    return opened_on[:7] <= month and (resolved_on is None or resolved_on[:7] >= month)


# --- the return slip's approval, copies and receipt (SPEC C13.1(2)b) ---------------------

# [choice] whose (vice) manager approves a slip, per the complaint's profile: the
# manufacturer's sales department (its sales_manager); in a retail or service branch the
# branch manager. A profile not named here takes either.
SLIP_APPROVERS: dict[str, frozenset[str]] = {
    "manufacturer": frozenset({"sales_manager"}),
    "retail": frozenset({"branch_manager"}),
    "service": frozenset({"branch_manager"}),
}


def slip_approvers(profile: str | None) -> frozenset[str]:
    """The roles that approve a return slip of ``profile`` (SPEC C13.1(2)b)."""
    return SLIP_APPROVERS.get(profile or "", MANAGER_ROLES)


@dataclass(frozen=True, slots=True)
class CopyRoute:
    """Where one of the slip's four copies goes, and why (SPEC C13.1(2)b)."""

    copy_no: int
    holder: str
    purpose: str


# On approval sales keeps copy 1 to follow up; copies 2–4 go with the goods to the warehouse.
ROUTES_ON_APPROVAL = (
    CopyRoute(1, "sales", "follow_up"),
    CopyRoute(2, "warehouse", "receive_goods"),
    CopyRoute(3, "warehouse", "receive_goods"),
    CopyRoute(4, "warehouse", "receive_goods"),
)
# Signed for by the warehouse: it keeps copy 2, copy 3 goes to accounting to book, 4 to sales.
ROUTES_ON_RECEIPT = (
    CopyRoute(2, "warehouse", "filed"),
    CopyRoute(3, "accounting", "booking"),
    CopyRoute(4, "sales", "filed"),
)


def require_receipt_signature(
    *, approved_qty: int | None, received_qty: int, signed_by: str | None, note: str | None
) -> None:
    """A receipt that differs from the approved quantity is signed for, with a note of whom
    the warehouse asked and what it was told (SPEC C13.1(2)b); 422 otherwise."""
    if approved_qty is None or received_qty == approved_qty:
        return
    if not (note or "").strip():
        raise RuleBroken(f"received {received_qty} of {approved_qty} approved: note whom you "
                         "asked and what you were told", field="note", rule="C13.1(2)b")
    if not (signed_by or "").strip():
        raise RuleBroken("the warehouse signs for the actual quantity", field="signed_by",
                         rule="C13.1(2)b")


def amount_check(*, expected: Decimal, stated: Decimal) -> Decision:
    """Accounting's amount check beside the quantity check (SPEC C13.2(1)b): the amount on
    the proof against the approved handling's amount for the booked quantity. Tolerance
    **[choice: none]**, exact to the cent; a mismatch holds the entry for review."""
    want = round_money(positive_money(expected, field="amount", rule="C13.2(1)b"))
    got = parse_money(stated, field="amount", rule="C13.2(1)b")
    if got == want:
        return Decision(book_qty=None, held=False, reason=f"amount {got} matches approved")
    return Decision(book_qty=None, held=True,
                    reason=f"amount {got} differs from approved {want}; held for review")
