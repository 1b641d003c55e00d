"""The journal and the salesperson's collection rate (SPEC C13.2, C13.2(3)).

Collection rate **[choice]**: receivables are recorded per salesperson, month and part
number by accounting (``POST /receivables``); a receivable is left out of the month's
rate (numerator and denominator) when a complaint delay on the same part number (and the
same order, when both name one) overlaps that month (C13.2(3)).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.keyset import after_key
from shared.money import ZERO, parse_money
from shared.rules import RuleBroken

from ..domain import returns as rules
from ..domain.deductions import check_month
from ..models import CollectionDelay, Invoice, JournalEntry, JournalLineRow, Receivable


async def journal(
    session: AsyncSession, *, case_no: str | None, invoice_no: str | None,
    actor: Actor | None = None, after_id: int = 0, limit: int | None = None,
) -> list[dict[str, Any]]:
    """Journal entries with their lines, by complaint case or invoice (SPEC C13.2); an
    invoice's only for a caller of its branch. In booking order from after the entry
    ``after_id``, at most ``limit`` entries (all when None; CONTRACT "Lists")."""
    if case_no is None and invoice_no is None:
        raise RuleBroken("give case_no or invoice_no", field="case_no")
    if invoice_no is not None and actor is not None:
        invoice = await session.get(Invoice, invoice_no)
        if invoice is not None:
            require_branch(actor, invoice.branch, field="invoice_no")
    query = select(JournalEntry)
    if case_no is not None:
        query = query.where(JournalEntry.case_no == case_no)
    if invoice_no is not None:
        query = query.where(JournalEntry.invoice_no == invoice_no)
    query = after_key(query, key=JournalEntry.id, after=after_id, limit=limit)
    entries = list(await session.scalars(query))
    lines = list(await session.scalars(
        select(JournalLineRow).where(JournalLineRow.entry_id.in_([e.id for e in entries]))
        .order_by(JournalLineRow.id)
    )) if entries else []
    return [
        {
            "entry_id": e.id, "source_type": e.source_type, "source_no": e.source_no,
            "case_no": e.case_no, "invoice_no": e.invoice_no, "memo": e.memo,
            "reverses_entry_id": e.reverses_id, "booked_by": e.booked_by,
            "booked_role": e.booked_role, "booked_at": e.booked_at,
            "lines": [{"account": x.account, "debit": x.debit, "credit": x.credit}
                      for x in lines if x.entry_id == e.id],
        }
        for e in entries
    ]


async def add_receivable(
    ctx: Context, session: AsyncSession, *, actor: Actor, salesperson: str, month: str,
    part_no: str, order_no: str | None, customer: str | None, amount_due: Decimal,
    amount_collected: Decimal,
) -> Receivable:
    """Record a salesperson's receivable for a month (input to SPEC C13.2(3))."""
    check_month(month, "month")
    due = parse_money(amount_due, field="amount_due", rule="C13.2(3)")
    collected = parse_money(amount_collected, field="amount_collected", rule="C13.2(3)")
    row = Receivable(salesperson=salesperson, month=month, part_no=part_no, order_no=order_no,
                     customer=customer, amount_due=due, amount_collected=collected,
                     recorded_by=actor.user_id, recorded_at=ctx.now())
    session.add(row)
    await session.flush()
    await ctx.audit.record(session, actor=actor, action="receivable.recorded",
                           subject_type="receivable", subject_id=row.id,
                           detail={"salesperson": salesperson, "month": month, "part_no": part_no,
                                   "amount_due": due, "amount_collected": collected})
    return row


async def collection_rate(
    session: AsyncSession, *, salesperson: str, month: str
) -> dict[str, Any]:
    """A salesperson's collection rate for a month, complaint-delayed parts left out (C13.2(3))."""
    check_month(month, "month")
    receivables = list(await session.scalars(
        select(Receivable).where(Receivable.salesperson == salesperson, Receivable.month == month)
        .order_by(Receivable.id)
    ))
    parts = {r.part_no for r in receivables}
    delays = list(await session.scalars(
        select(CollectionDelay).where(CollectionDelay.part_no.in_(parts))
        .where(or_(CollectionDelay.resolved_on.is_(None),
                   CollectionDelay.resolved_on >= date.fromisoformat(f"{month}-01")))
    )) if parts else []
    excluded: list[dict[str, Any]] = []
    kept: list[rules.Receivable] = []
    for r in receivables:
        hit = next((d for d in delays if _delays(d, r, month)), None)
        if hit is not None:
            excluded.append({"receivable_id": r.id, "part_no": r.part_no, "case_no": hit.case_no,
                             "amount_due": r.amount_due})
        else:
            kept.append(rules.Receivable(r.part_no, r.amount_due, r.amount_collected))
    return {
        "salesperson": salesperson, "month": month,
        "rate": rules.collection_rate(kept, ()),
        "amount_due": sum((k.amount_due for k in kept), ZERO),
        "amount_collected": sum((k.amount_collected for k in kept), ZERO),
        "excluded": excluded,
    }


def _delays(delay: CollectionDelay, receivable: Receivable, month: str) -> bool:
    if delay.part_no != receivable.part_no:
        return False
    if delay.order_no and receivable.order_no and delay.order_no != receivable.order_no:
        return False
    return rules.delayed_in_month(
        opened_on=delay.opened_on.isoformat(),
        resolved_on=delay.resolved_on.isoformat() if delay.resolved_on else None, month=month,
    )


# -- reads for the console (issue 14): the latest entries, and receivables by month -------

async def recent_journal(session: AsyncSession, *, limit: int = 100) -> list[dict[str, Any]]:
    """The latest journal entries of returns, allowances and POS bookings (newest first),
    in the shape of :func:`journal`; invoice entries are read per invoice (SPEC C13.2)."""
    ids = list(await session.scalars(
        select(JournalEntry.id).where(JournalEntry.invoice_no.is_(None))
        .order_by(JournalEntry.id.desc()).limit(limit)))
    if not ids:
        return []
    entries = {e.id: e for e in await session.scalars(
        select(JournalEntry).where(JournalEntry.id.in_(ids)))}
    lines = list(await session.scalars(
        select(JournalLineRow).where(JournalLineRow.entry_id.in_(ids))
        .order_by(JournalLineRow.id)))
    return [
        {
            "entry_id": e.id, "source_type": e.source_type, "source_no": e.source_no,
            "case_no": e.case_no, "invoice_no": e.invoice_no, "memo": e.memo,
            "reverses_entry_id": e.reverses_id, "booked_by": e.booked_by,
            "booked_role": e.booked_role, "booked_at": e.booked_at,
            "lines": [{"account": x.account, "debit": x.debit, "credit": x.credit}
                      for x in lines if x.entry_id == e.id],
        }
        for e in (entries[i] for i in ids)
    ]


async def receivables(
    session: AsyncSession, *, salesperson: str | None = None, month: str | None = None,
    limit: int = 500,
) -> list[Receivable]:
    """Recorded receivables, newest month first (input to SPEC C13.2(3))."""
    query = select(Receivable).order_by(Receivable.month.desc(), Receivable.id.desc())
    if salesperson is not None:
        query = query.where(Receivable.salesperson == salesperson)
    if month is not None:
        query = query.where(Receivable.month == month)
    return list(await session.scalars(query.limit(limit)))


async def receivable_months(session: AsyncSession, *, salesperson: str) -> list[str]:
    """The months in which a salesperson has receivables, oldest first (SPEC C13.2(3))."""
    return sorted(set(await session.scalars(
        select(Receivable.month).where(Receivable.salesperson == salesperson))))
