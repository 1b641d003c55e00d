"""Refund and allowance instructions to a store's POS, and booking on its confirmation
(SPEC §7, R2, C13).

Invariants enforced here:

- a retail accounting copy naming its store, with handling ``return`` or ``allowance`` and
  a positive amount, opens exactly one instruction ``PI-{case_no}`` (``pending``, due at
  once) and no paper document: at retail the counter decided within its authority and the
  cashier executes through the POS (R2), so neither the warehouse receipt nor the
  allowance approvals of C13.1 apply; any other copy keeps the paper flow;
- a confirmation (``PosInstructionExecuted``) from the instruction's own store, of the
  matching kind, confirms a ``pending`` or ``delivered`` instruction and books it in the
  same transaction: one balanced journal entry, the collection delay ended, ``ReturnBooked``;
- the POS confirmation is the proof: the amount the cashier executed is what is booked; if
  it differs from the instruction, the instruction is held for an accountant's review
  (``hold_reason``) — the money has already left the till, so the books follow the till;
- a repeated confirmation changes nothing; one that fits no instruction (unknown id,
  another store, wrong kind, unreadable amount, or a second transaction for a confirmed
  instruction) is kept as an orphan confirmation for inspection and does not fail.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import get_or_404
from shared.events.billing import ReturnBooked
from shared.events.complaints import ComplaintCopyIssued
from shared.events.intake import PosInstructionExecuted
from shared.keyset import after_key, after_mark, mark_of
from shared.rules import RuleBroken, WrongState
from shared.stores import load_stores

from ..domain import pos as rules
from ..domain.pos import InstructionStatus as Status
from ..models import PosInstruction, PosOrphanConfirmation
from .common import book
from .delays import end_delay

log = logging.getLogger("aftersales.billing.pos")

WATCHER = "pos-instructions"
OPEN = (Status.PENDING.value, Status.DELIVERED.value)
# The accounting console shows the newest orphan confirmations only.
ORPHANS_SHOWN = 500


def _positive(raw: str | None) -> Decimal | None:
    try:
        return rules.executed_amount(raw) if raw is not None else None
    except RuleBroken:
        return None


async def instruct_store(ctx: Context, session: AsyncSession, event: ComplaintCopyIssued) -> bool:
    """Open the POS instruction of a retail accounting copy; False if the copy takes the
    paper flow of C13.1 instead (SPEC R2, §7)."""
    kind = rules.instruction_type(event.handling)
    amount = _positive(event.amount)
    if event.recipient != "accounting" or not event.store_id or kind is None or amount is None:
        return False
    if await session.scalar(select(PosInstruction).where(PosInstruction.case_no == event.case_no)):
        return True
    instruction_id = rules.instruction_id(event.case_no)
    now = ctx.now()
    session.add(PosInstruction(
        instruction_id=instruction_id, case_no=event.case_no, store_id=event.store_id,
        branch=event.branch, type=kind.value, amount=amount,
        quantity=event.quantity if kind is rules.InstructionType.REFUND else None,
        customer=event.customer, order_no=event.order_no, part_no=event.part_no,
        status=Status.PENDING.value, attempts=0, next_attempt_at=now, last_attempt_at=None,
        last_error=None, delivered_at=None, confirmed_at=None, executed_at=None,
        transaction_id=None, executed_amount=None, journal_entry_id=None, hold_reason=None,
        reviewed_by=None, reviewed_at=None, review_note=None, created_at=now,
    ))
    await ctx.audit.record(
        session, actor=Actor.system("billing"), action="pos_instruction.issued",
        subject_type="pos_instruction", subject_id=instruction_id,
        detail={"case_no": event.case_no, "store_id": event.store_id,
                "type": kind.value, "amount": amount, "quantity": event.quantity})
    ctx.wake_after_commit(session, WATCHER)
    return True


async def execution_reported(
    ctx: Context, session: AsyncSession, event: PosInstructionExecuted
) -> None:
    """The store's cashier executed an instruction: confirm it and book it (SPEC §7)."""
    row = await session.scalar(select(PosInstruction).where(
        PosInstruction.instruction_id == event.instruction_id).with_for_update())
    amount = _positive(event.amount)
    if row is None:
        return await _orphan(ctx, session, event, "no such instruction")
    if row.store_id != event.store_id:
        return await _orphan(ctx, session, event, f"instruction belongs to store {row.store_id}")
    if event.kind != rules.confirming_kind(row.type):
        return await _orphan(ctx, session, event,
                             f"a {row.type} is confirmed by {rules.confirming_kind(row.type)}")
    if row.status not in OPEN:
        if row.transaction_id != event.transaction_id:
            await _orphan(ctx, session, event, f"already {row.status} by transaction "
                                              f"{row.transaction_id}")
        return None  # the same transaction again: nothing changes
    if amount is None:
        return await _orphan(ctx, session, event, f"amount {event.amount!r} is not positive")
    await _book(ctx, session, row, event, amount)
    return None


async def _book(
    ctx: Context, session: AsyncSession, row: PosInstruction, event: PosInstructionExecuted,
    amount: Decimal,
) -> None:
    actor = Actor.system("billing")
    entry = await book(
        ctx, session, actor=actor, lines=rules.journal_for(row.type, amount),
        source_type="pos_instruction", source_no=row.instruction_id, case_no=row.case_no,
        memo=f"{row.type} {row.instruction_id} executed by store {row.store_id}, "
             f"POS transaction {event.transaction_id}",
    )
    row.status = Status.CONFIRMED.value
    row.confirmed_at, row.executed_at = ctx.now(), event.executed_at
    row.transaction_id, row.executed_amount = event.transaction_id, amount
    row.journal_entry_id, row.next_attempt_at = entry.id, None
    if rules.amount_differs(row.amount, amount):
        row.hold_reason = f"executed {amount}, instructed {row.amount}"
    await end_delay(ctx, session, row.case_no)
    await ctx.audit.record(
        session, actor=actor, action="pos_instruction.confirmed",
        subject_type="pos_instruction", subject_id=row.instruction_id,
        detail={"store_id": event.store_id, "transaction_id": event.transaction_id,
                "executed_at": event.executed_at, "amount": amount,
                "entry": entry.id, "hold_reason": row.hold_reason,
                "event_id": event.event_id})
    await ctx.outbox.add(session, ReturnBooked(
        case_no=row.case_no,
        kind="return" if row.type == rules.InstructionType.REFUND else "allowance",
        amount=str(amount), quantity=row.quantity, document_no=row.instruction_id,
        journal_entry_id=entry.id, part_no=row.part_no, store_id=row.store_id,
        correlation_id=row.case_no,
    ))


async def _orphan(
    ctx: Context, session: AsyncSession, event: PosInstructionExecuted, reason: str
) -> None:
    """Keep a confirmation that fits no instruction, for inspection (SPEC §7)."""
    if await session.scalar(select(PosOrphanConfirmation.id).where(
            PosOrphanConfirmation.event_id == event.event_id)):
        return  # this very event was kept already
    log.warning("orphan POS confirmation %s for %s from %s: %s", event.transaction_id,
                event.instruction_id, event.store_id, reason)
    session.add(PosOrphanConfirmation(
        event_id=event.event_id, store_id=event.store_id, transaction_id=event.transaction_id,
        instruction_id=event.instruction_id, kind=event.kind, amount=event.amount[:40],
        executed_at=event.executed_at, reason=reason[:200], received_at=ctx.now(),
    ))
    await ctx.audit.record(
        session, actor=Actor.system("billing"),
        action="pos_instruction.orphan_confirmation", subject_type="pos_instruction",
        subject_id=event.instruction_id,
        detail={"store_id": event.store_id, "transaction_id": event.transaction_id,
                "kind": event.kind, "amount": event.amount, "reason": reason})


async def get_instruction(
    session: AsyncSession, instruction_id: str, *, actor: Actor | None = None,
    lock: bool = False,
) -> PosInstruction:
    """One instruction, or 404 naming ``instruction_id``; 403 outside ``actor``'s branch."""
    row = await get_or_404(
        session, PosInstruction, instruction_id,
        what="POS instruction", field="instruction_id", lock=lock,
    )
    if actor is not None:
        require_branch(actor, row.branch, field="instruction_id")
    return row


async def find_instructions(
    session: AsyncSession, *, actor: Actor, store_id: str | None, status: str | None,
    case_no: str | None, held: bool | None, after: str | None = None,
    limit: int | None = None,
) -> list[PosInstruction]:
    """Instructions by store, status, case and review hold, oldest first, within the
    caller's branch (SPEC §7); from after the instruction ``after``, at most ``limit``
    (all when None; CONTRACT "Lists")."""
    mark = await mark_of(session, PosInstruction, after, what="instruction",
                         visible=lambda i: actor.branch is None or i.branch == actor.branch)
    query = select(PosInstruction)
    if actor.branch is not None:
        query = query.where(PosInstruction.branch == actor.branch)
    if store_id is not None:
        query = query.where(PosInstruction.store_id == store_id)
    if status is not None:
        query = query.where(PosInstruction.status == status)
    if case_no is not None:
        query = query.where(PosInstruction.case_no == case_no)
    if held is True:
        query = query.where(PosInstruction.hold_reason.is_not(None),
                            PosInstruction.reviewed_at.is_(None))
    elif held is False:
        query = query.where((PosInstruction.hold_reason.is_(None))
                            | PosInstruction.reviewed_at.is_not(None))
    query = after_mark(query, order=PosInstruction.created_at,
                       key=PosInstruction.instruction_id, mark=mark, limit=limit)
    return list(await session.scalars(query))


async def review(
    ctx: Context, session: AsyncSession, *, actor: Actor, instruction_id: str, note: str
) -> PosInstruction:
    """An accountant's review of a booking held for an amount mismatch (SPEC §7, C13.2).

    The booking stands; a wrong one is corrected by reversing its journal entry.
    """
    row = await get_instruction(session, instruction_id, actor=actor, lock=True)
    if row.hold_reason is None or row.reviewed_at is not None:
        raise WrongState("is not held for review", field="instruction_id", rule="§7")
    row.reviewed_by, row.reviewed_at, row.review_note = actor.user_id, ctx.now(), note
    await ctx.audit.record(session, actor=actor, action="pos_instruction.reviewed",
                           subject_type="pos_instruction", subject_id=instruction_id,
                           detail={"note": note, "hold_reason": row.hold_reason})
    return row


async def orphan_confirmations(
    ctx: Context, session: AsyncSession, *, actor: Actor, store_id: str | None,
    after_id: int | None = None, limit: int | None = ORPHANS_SHOWN,
) -> list[PosOrphanConfirmation]:
    """Confirmations that fit no instruction, newest first (SPEC §7: kept for inspection),
    from the stores of the caller's branch; older than ``after_id``, at most ``limit``
    (all when None; CONTRACT "Lists")."""
    query = select(PosOrphanConfirmation)
    if actor.branch is not None:
        stores = load_stores(ctx.settings.stores_file)
        mine = [s for s, store in stores.items() if store.branch == actor.branch]
        query = query.where(PosOrphanConfirmation.store_id.in_(mine))
    if store_id is not None:
        query = query.where(PosOrphanConfirmation.store_id == store_id)
    query = after_key(query, key=PosOrphanConfirmation.id, after=after_id, limit=limit,
                      descending=True)
    return list(await session.scalars(query))
