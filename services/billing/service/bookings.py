"""Receiving, approving and booking returns and allowances (SPEC C13.1, C13.2).

Every booking writes one balanced journal entry (Dr sales returns and allowances, Cr
accounts receivable), ends the collection delay and publishes ``ReturnBooked`` in the
same transaction. A booked entry is corrected only by its reversing entry; the document
then stands ``reversed`` and may be booked again with corrected figures (SPEC §8). A
booking made on a POS confirmation (SPEC §7) is reversed the same way; its instruction
then stands ``reversed`` (the till has paid out, so it is not re-sent nor re-booked).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.billing import BookingReversed, ReturnBooked
from shared.rules import Forbidden, NotFound, RuleBroken, WrongState

from ..domain import returns as rules
from ..domain.money import positive_money
from ..models import (
    Allowance,
    AllowanceApproval,
    JournalEntry,
    PosInstruction,
    ReturnSlip,
    ReturnSlipCopy,
)
from .common import book, entry_lines
from .delays import end_delay
from .pos import get_instruction
from .returns import get_allowance, get_slip, ratio_in_force, require_status

RATIO_PLACES = Decimal("0.0001")


async def approve_slip(
    ctx: Context, session: AsyncSession, *, actor: Actor, slip_no: str
) -> ReturnSlip:
    """The (vice) manager's approval of a return slip, routing its four copies: 1 to sales
    to follow up, 2–4 with the goods to the warehouse (SPEC C13.1(2)b)."""
    slip = await get_slip(session, slip_no, lock=True)
    require_status(slip, "awaiting_approval", rule="C13.1(2)b")
    approvers = rules.slip_approvers(slip.profile)
    if actor.role not in approvers:
        raise Forbidden(f"a {slip.profile or 'return'} slip is approved by "
                        + " or ".join(sorted(approvers)), rule="C13.1(2)b")
    require_branch(actor, slip.branch)
    now = ctx.now()
    slip.approved_by, slip.approved_role, slip.approved_at = actor.user_id, actor.role, now
    slip.status = "awaiting_receipt"
    await _route(session, slip_no, rules.ROUTES_ON_APPROVAL, actor=actor, at=now)
    await ctx.audit.record(session, actor=actor, action="return_slip.approved",
                           subject_type="return_slip", subject_id=slip_no,
                           detail={"role": actor.role})
    return slip


async def _route(session: AsyncSession, slip_no: str, routes: tuple[rules.CopyRoute, ...], *,
                 actor: Actor, at: datetime) -> None:
    for route in routes:
        session.add(ReturnSlipCopy(slip_no=slip_no, copy_no=route.copy_no,
                                   holder=route.holder, purpose=route.purpose,
                                   routed_by=actor.user_id, routed_at=at))
    await session.flush()


async def slip_copies(session: AsyncSession, slip_no: str) -> list[ReturnSlipCopy]:
    """Every hop of the slip's copies, in order (SPEC C13.1(2)b)."""
    return list(await session.scalars(select(ReturnSlipCopy).where(
        ReturnSlipCopy.slip_no == slip_no).order_by(ReturnSlipCopy.id)))


async def receive(
    ctx: Context, session: AsyncSession, *, actor: Actor, slip_no: str, received_qty: int,
    signed_by: str | None = None, note: str | None = None,
) -> ReturnSlip:
    """The warehouse's signed receipt against an approved return slip (C13.1(2)b), checked
    for tolerance (C13.2(1)); copies 2–4 then go to warehouse, accounting and sales."""
    slip = await get_slip(session, slip_no, lock=True)
    require_status(slip, "awaiting_receipt", rule="C13.1(2)b")
    rules.require_receipt_signature(approved_qty=slip.approved_qty, received_qty=received_qty,
                                    signed_by=signed_by, note=note)
    now = ctx.now()
    slip.received_qty, slip.received_by, slip.received_at = received_qty, actor.user_id, now
    slip.signed_by = (signed_by or "").strip() or actor.user_id
    slip.receipt_note = (note or "").strip() or None
    await _route(session, slip_no, rules.ROUTES_ON_RECEIPT, actor=actor, at=now)
    if slip.approved_qty is None:
        slip.status, slip.decision = "held", "approved quantity undetermined (C9.1)"
    else:
        # C13.2(1): the ratio frozen on the slip when it opened (a slip older than that
        # rule takes the ratio in force now).
        ratio = slip.ratio if slip.ratio is not None else await ratio_in_force(
            session, slip.order_no)
        decision = rules.over_acceptance_check(
            approved_qty=slip.approved_qty, received_qty=received_qty, order_ratio=ratio,
        )
        slip.ratio = ratio.quantize(RATIO_PLACES)
        slip.book_qty = decision.book_qty
        slip.status = "held" if decision.held else "received"
        slip.decision = decision.reason
    await ctx.audit.record(session, actor=actor, action="return_slip.received",
                           subject_type="return_slip", subject_id=slip_no,
                           detail={"received_qty": received_qty, "status": slip.status,
                                   "decision": slip.decision, "ratio": slip.ratio,
                                   "signed_by": slip.signed_by, "note": slip.receipt_note})
    return slip


async def release(
    ctx: Context, session: AsyncSession, *, actor: Actor, slip_no: str, book_qty: int, note: str,
    book_amount: Decimal | None = None,
) -> ReturnSlip:
    """An accountant's review of a held slip decides the quantity (C13.2(1)) and, for an
    amount mismatch, the amount to book (C13.2(1)b)."""
    slip = await get_slip(session, slip_no, lock=True)
    require_status(slip, "held", rule="C13.2(1)")
    if book_qty < 1:
        raise RuleBroken("must be at least 1", field="book_qty", rule="C13.2(1)")
    slip.book_qty, slip.status = book_qty, "received"
    slip.review_amount = (None if book_amount is None else positive_money(
        book_amount, field="book_amount", rule="C13.2(1)b"))
    slip.decision = f"released after review by {actor.user_id}: {note}"
    await ctx.audit.record(session, actor=actor, action="return_slip.released",
                           subject_type="return_slip", subject_id=slip_no,
                           detail={"book_qty": book_qty, "note": note,
                                   "book_amount": slip.review_amount})
    return slip


def expected_amount(slip: ReturnSlip) -> Decimal:
    """What the approved handling credits for the booked quantity, or what a review decided
    (SPEC C13.2(1), C13.2(1)b)."""
    if slip.review_amount is not None:
        return slip.review_amount
    if slip.amount is None or slip.book_qty is None:
        raise WrongState("no approved amount to book", field="amount", rule="C13.1(2)")
    return slip.amount if slip.approved_qty is None else rules.booked_amount(
        amount=slip.amount, approved_qty=slip.approved_qty, book_qty=slip.book_qty)


async def book_return(
    ctx: Context, session: AsyncSession, *, actor: Actor, slip_no: str, proof: str,
    amount: Decimal,
) -> ReturnSlip:
    """Book a received return at its checked quantity and amount, with proof (C13.2(1),
    C13.2(1)b, C13.2(4)); an amount that differs from the approved one holds the slip."""
    slip = await get_slip(session, slip_no, lock=True)
    require_status(slip, "received", "reversed", rule="C13.2(1)")
    checked = rules.require_proof(rules.AdjustmentKind.RETURN, proof)
    expected = expected_amount(slip)
    check = rules.amount_check(expected=expected, stated=amount)
    slip.stated_amount = amount
    if check.held:
        # C13.2(1)b: like a quantity beyond tolerance, nothing is booked until a review.
        slip.status, slip.decision = "held", check.reason
        await ctx.audit.record(session, actor=actor, action="return_slip.held",
                               subject_type="return_slip", subject_id=slip_no,
                               detail={"stated": amount, "expected": expected,
                                       "proof": checked.value})
        return slip
    amount = expected
    entry = await book(ctx, session, actor=actor, lines=rules.journal_for_return(amount),
                       source_type="return_slip", source_no=slip_no, case_no=slip.case_no,
                       memo=f"return {slip_no}: {slip.book_qty} of {slip.part_no}, {checked}")
    slip.status, slip.proof = "booked", checked.value
    await end_delay(ctx, session, slip.case_no)
    await ctx.audit.record(session, actor=actor, action="return_slip.booked",
                           subject_type="return_slip", subject_id=slip_no,
                           detail={"proof": checked.value, "amount": amount, "entry": entry.id})
    await ctx.outbox.add(session, ReturnBooked(
        case_no=slip.case_no, kind="return", amount=str(amount), quantity=slip.book_qty,
        document_no=slip_no, journal_entry_id=entry.id, part_no=slip.part_no,
    ))
    return slip


async def approve(
    ctx: Context, session: AsyncSession, *, actor: Actor, allowance_no: str
) -> Allowance:
    """A (vice) manager's or (vice) GM's approval of an allowance (SPEC C13.1(1))."""
    allowance = await get_allowance(session, allowance_no, lock=True)
    require_status(allowance, "awaiting_approval", "ready", rule="C13.1(1)")
    level = ("manager" if actor.role in rules.MANAGER_ROLES
             else "gm" if actor.role in rules.GM_ROLES else None)
    if level is None:
        raise Forbidden(f"role {actor.role} does not approve allowances", rule="C13.1(1)")
    if await session.scalar(select(AllowanceApproval).where(
            AllowanceApproval.allowance_no == allowance_no, AllowanceApproval.level == level)):
        raise WrongState(f"already approved at {level} level", field="approvals", rule="C13.1(1)")
    session.add(AllowanceApproval(allowance_no=allowance_no, level=level, role=actor.role,
                                  approved_by=actor.user_id, approved_at=ctx.now()))
    await session.flush()
    await _refresh(session, allowance)
    await ctx.audit.record(
        session, actor=actor, action="allowance.approved",
        subject_type="allowance", subject_id=allowance_no, detail={"level": level})
    return allowance


async def sign(
    ctx: Context, session: AsyncSession, *, actor: Actor, allowance_no: str, signed_by: str
) -> Allowance:
    """Record the customer's signature on the allowance certificate (SPEC C13.1(1))."""
    allowance = await get_allowance(session, allowance_no, lock=True)
    require_status(allowance, "awaiting_approval", "ready", rule="C13.1(1)")
    if allowance.customer_signed_by is not None:
        raise WrongState("the customer has already signed", field="signed_by", rule="C13.1(1)")
    allowance.customer_signed_by, allowance.customer_signed_at = signed_by, ctx.now()
    await _refresh(session, allowance)
    await ctx.audit.record(
        session, actor=actor, action="allowance.signed", subject_type="allowance",
        subject_id=allowance_no, detail={"signed_by": signed_by})
    return allowance


async def approval_roles(session: AsyncSession, allowance_no: str) -> list[AllowanceApproval]:
    """The approvals an allowance certificate carries, oldest first."""
    rows = await session.scalars(select(AllowanceApproval).where(
        AllowanceApproval.allowance_no == allowance_no).order_by(AllowanceApproval.id))
    return list(rows)


async def _refresh(session: AsyncSession, allowance: Allowance) -> None:
    roles = [a.role for a in await approval_roles(session, allowance.allowance_no)]
    ready = rules.allowance_ready_to_book(roles, allowance.customer_signed_by is not None)
    allowance.status = "ready" if ready else "awaiting_approval"


async def book_allowance(
    ctx: Context, session: AsyncSession, *, actor: Actor, allowance_no: str, proof: str
) -> Allowance:
    """Book an approved, signed allowance with its proof (SPEC C13.1(1), C13.2(5))."""
    allowance = await get_allowance(session, allowance_no, lock=True)
    require_status(allowance, "awaiting_approval", "ready", "reversed", rule="C13.1(1)")
    roles = [a.role for a in await approval_roles(session, allowance_no)]
    missing = rules.missing_allowance_signatures(roles, allowance.customer_signed_by is not None)
    if missing:
        raise WrongState("missing " + ", ".join(missing), field="approvals", rule="C13.1(1)")
    checked = rules.require_proof(rules.AdjustmentKind.ALLOWANCE, proof)
    if allowance.amount is None:
        raise WrongState("no approved amount to book", field="amount", rule="C13.1(1)")
    entry = await book(ctx, session, actor=actor,
                       lines=rules.journal_for_allowance(allowance.amount),
                       source_type="allowance", source_no=allowance_no,
                       case_no=allowance.case_no, memo=f"allowance {allowance_no}, {checked}")
    allowance.status, allowance.proof = "booked", checked.value
    await end_delay(ctx, session, allowance.case_no)
    await ctx.audit.record(
        session, actor=actor, action="allowance.booked", subject_type="allowance",
        subject_id=allowance_no, detail={"proof": checked.value, "entry": entry.id})
    await ctx.outbox.add(session, ReturnBooked(
        case_no=allowance.case_no, kind="allowance", amount=str(allowance.amount),
        document_no=allowance_no, journal_entry_id=entry.id, part_no=allowance.part_no,
    ))
    return allowance


async def reverse_booking(
    ctx: Context, session: AsyncSession, *, actor: Actor, entry_id: int, reason: str
) -> JournalEntry:
    """Correct a booked return or allowance by its reversing entry (SPEC C13.2, §8)."""
    entry = await session.get(JournalEntry, entry_id, with_for_update=True)
    if entry is None:
        raise NotFound(f"no journal entry {entry_id}", field="entry_id")
    if entry.source_type not in ("return_slip", "allowance", "pos_instruction"):
        raise WrongState("invoice entries are reversed by voiding the invoice",
                       field="entry_id", rule="S10")
    if entry.reverses_id is not None or await session.scalar(
            select(JournalEntry).where(JournalEntry.reverses_id == entry_id)):
        raise WrongState("a reversal or an entry already reversed", field="entry_id",
                       rule="C13.2")
    reversal = await book(ctx, session, actor=actor,
                          lines=rules.reverse(await entry_lines(session, entry_id)),
                          source_type=entry.source_type, source_no=entry.source_no,
                          case_no=entry.case_no, memo=f"reversal of #{entry_id}: {reason}",
                          reverses_id=entry_id)
    doc: ReturnSlip | Allowance | PosInstruction
    if entry.source_type == "pos_instruction":
        # The till already paid out: the instruction stays reversed, not re-sent (SPEC §7).
        doc = await get_instruction(session, entry.source_no, lock=True)
    elif entry.source_type == "return_slip":
        doc = await get_slip(session, entry.source_no, lock=True)
    else:
        doc = await get_allowance(session, entry.source_no, lock=True)
    doc.status = "reversed"
    await ctx.outbox.add(session, BookingReversed(
        entry_id=reversal.id, reverses_entry_id=entry_id, case_no=entry.case_no,
        invoice_no=None, reason=reason,
    ))
    return reversal
