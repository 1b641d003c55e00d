"""Returns and allowances decided in complaints (SPEC C13.1, C13.2).

Invariants enforced here:

- the accounting copy of a closed complaint (C9.8) opens exactly one document per case: an
  allowance certificate for ``allowance``, a return slip for ``return``/``reprocess``
  (C13.1(2)); ``not_valid`` opens nothing and the receivable is collected normally (C9.14);
- a retail copy naming its store, with a ``return`` or ``allowance`` of a positive amount,
  goes to the store's POS as an instruction instead (SPEC R2, §7, :mod:`.pos`): the counter
  decided within its authority, the cashier executes, the POS confirmation is the proof;
- a return slip waits for its (vice) manager's approval (per profile) before the warehouse
  receives; its four copies are routed and recorded, and a receipt that differs from the
  approved quantity is signed for with a note (C13.1(2)b);
- a return slip is booked only after the warehouse's receipt, at the quantity the
  over-acceptance check allows (C13.2(1)); beyond tolerance it is held until an
  accountant releases it with a reviewed quantity; the amount on the proof is compared
  too, exact to the cent, and a mismatch holds the slip the same way (C13.2(1)b);
- nothing is booked without proof of the right kind (C13.2(4)/(5)); an allowance also
  needs (vice) manager and (vice) GM approval and the customer's signature (C13.1(1));
- from the complaint's filing until the case closes, or until its document is booked,
  the part number's receivable is excluded from the salesperson's collection rate
  (C13.2(3), :mod:`.delays`);
- a return slip freezes the over-acceptance ratio in force when it opens; the order's
  ratio cannot change while a slip against it is pending (C13.2(1)).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import get_or_404
from shared.events.complaints import ComplaintCopyIssued
from shared.keyset import after_mark, mark_of
from shared.money import parse_money
from shared.rules import RuleBroken, WrongState

from ..domain.returns import DEFAULT_OVER_ACCEPTANCE_RATIO
from ..models import Allowance, OrderRatio, ReturnSlip
from .delays import close_delay, local_day, open_delay
from .pos import instruct_store

RETURN_HANDLINGS = frozenset({"return", "reprocess"})


def _amount(raw: str | None) -> Decimal | None:
    try:
        value = parse_money(raw, field="amount") if raw is not None else None
    except RuleBroken:
        return None
    return value if value is not None and value > 0 else None


async def copy_issued(ctx: Context, session: AsyncSession, event: ComplaintCopyIssued) -> None:
    """Open the allowance certificate or return slip of a closed complaint (SPEC C13.1),
    or, for a retail case with its store, the POS instruction (SPEC R2, §7)."""
    if event.recipient != "accounting":
        return
    if await instruct_store(ctx, session, event):
        await _delay(session, event)
        return
    if event.handling not in RETURN_HANDLINGS | {"allowance"}:
        # C13.2(3): the case closed with nothing for accounting to book (not valid, C9.14;
        # compensation, exchange): the part's receivable counts again from the closing day.
        await close_delay(session, event.case_no,
                          on=local_day(ctx, event.branch, event.closed_at))
        return
    actor = Actor.system("billing")
    if event.handling == "allowance":
        if await session.scalar(select(Allowance).where(Allowance.case_no == event.case_no)):
            return
        doc_no, subject = f"AC-{event.case_no}", "allowance"
        session.add(Allowance(
            allowance_no=doc_no, case_no=event.case_no, customer=event.customer,
            order_no=event.order_no, part_no=event.part_no, amount=_amount(event.amount),
            status="awaiting_approval", customer_signed_by=None, customer_signed_at=None,
            proof=None, created_at=ctx.now(),
        ))
    else:
        if await session.scalar(select(ReturnSlip).where(ReturnSlip.case_no == event.case_no)):
            return
        doc_no, subject = f"RS-{event.case_no}", "return_slip"
        session.add(ReturnSlip(
            slip_no=doc_no, case_no=event.case_no, handling=event.handling or "return",
            reason=f"{event.classification} complaint {event.case_no}"
                   + (f", responsible: {event.responsible_unit}" if event.responsible_unit
                      else ""),
            customer=event.customer, order_no=event.order_no, part_no=event.part_no,
            approved_qty=event.quantity if event.quantity and event.quantity > 0 else None,
            amount=_amount(event.amount), ratio=await ratio_in_force(session, event.order_no),
            received_qty=None, received_by=None,
            received_at=None, book_qty=None, decision=None,
            # C13.1(2)b: the (vice) manager approves before the warehouse receives.
            status="awaiting_approval", profile=event.profile, branch=event.branch,
            proof=None, created_at=ctx.now(),
        ))
    await _delay(session, event)
    await ctx.audit.record(
        session, actor=actor, action=f"{subject}.opened", subject_type=subject,
        subject_id=doc_no, detail={"case_no": event.case_no, "amount": event.amount,
                                   "quantity": event.quantity,
                                   "handling": event.handling})


async def get_slip(session: AsyncSession, slip_no: str, *, lock: bool = False) -> ReturnSlip:
    """One return slip, or 404 naming ``slip_no``."""
    return await get_or_404(
        session, ReturnSlip, slip_no,
        what="return slip", field="slip_no", lock=lock,
    )


async def get_allowance(
    session: AsyncSession, allowance_no: str, *, lock: bool = False
) -> Allowance:
    """One allowance certificate, or 404 naming ``allowance_no``."""
    return await get_or_404(
        session, Allowance, allowance_no,
        what="allowance certificate", field="allowance_no", lock=lock,
    )


async def find_documents(
    session: AsyncSession, model: type[ReturnSlip] | type[Allowance], *,
    case_no: str | None, status: str | None, after: str | None = None,
    limit: int | None = None,
) -> list[ReturnSlip] | list[Allowance]:
    """Return slips or allowance certificates by case and status, oldest first (then by
    number), from after the document ``after``, at most ``limit`` (all when None;
    CONTRACT "Lists")."""
    key = ReturnSlip.slip_no if model is ReturnSlip else Allowance.allowance_no
    what = "return slip" if model is ReturnSlip else "allowance"
    mark = await mark_of(session, model, after, what=what)  # type: ignore[arg-type]
    query = select(model)
    if case_no is not None:
        query = query.where(model.case_no == case_no)
    if status is not None:
        query = query.where(model.status == status)
    query = after_mark(query, order=model.created_at, key=key, mark=mark, limit=limit)
    return list(await session.scalars(query))  # type: ignore[arg-type]


RATIO_PLACES = Decimal("0.0001")
# A return against the order is pending until it is booked (C13.2(1), issue 13 item 8d).
PENDING_SLIP = ("awaiting_approval", "awaiting_receipt", "held", "received", "reversed")


async def ratio_in_force(session: AsyncSession, order_no: str | None) -> Decimal:
    """The order's own over-acceptance ratio, else the company default (C13.2(1)); frozen
    on a return slip when it opens, so a later change cannot move its tolerance."""
    row = await session.get(OrderRatio, order_no) if order_no else None
    ratio = row.ratio if row is not None else DEFAULT_OVER_ACCEPTANCE_RATIO
    return ratio.quantize(RATIO_PLACES)


async def set_order_ratio(
    ctx: Context, session: AsyncSession, *, actor: Actor, order_no: str, ratio: Decimal
) -> OrderRatio:
    """Record an order's own over-acceptance ratio (超量允收比率, SPEC C13.2(1)); 409 while
    a return slip against the order is pending (its ratio is frozen on the slip)."""
    if not Decimal(0) <= ratio < 1:
        raise RuleBroken("must be in [0, 1)", field="ratio", rule="C13.2(1)")
    row = await session.get(OrderRatio, order_no, with_for_update=True)
    pending = await session.scalar(select(ReturnSlip.slip_no).where(
        ReturnSlip.order_no == order_no, ReturnSlip.status.in_(PENDING_SLIP)).limit(1))
    if pending is not None:
        raise WrongState(f"return slip {pending} against the order is pending; its "
                         "over-acceptance ratio is frozen until it is booked",
                         field="ratio", rule="C13.2(1)")
    if row is None:
        row = OrderRatio(order_no=order_no)
        session.add(row)
    row.ratio, row.set_by, row.set_at = ratio.quantize(RATIO_PLACES), actor.user_id, ctx.now()
    await ctx.audit.record(session, actor=actor, action="order_ratio.set", subject_type="order",
                           subject_id=order_no, detail={"ratio": ratio})
    return row


async def _delay(session: AsyncSession, event: ComplaintCopyIssued) -> None:
    await open_delay(session, case_no=event.case_no, part_no=event.part_no,
                     order_no=event.order_no, opened_on=event.closed_at.date())


def require_status(doc: ReturnSlip | Allowance, *allowed: str, rule: str) -> None:
    """409 naming the rule unless the document is in one of ``allowed``."""
    if doc.status not in allowed:
        raise WrongState(f"is {doc.status}; needs {' or '.join(allowed)}", field="status",
                       rule=rule)
