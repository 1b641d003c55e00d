"""The supervisor's board, fed by intake and billing events (SPEC S8, S18, S20), and the
voucher's full history.

Invariant: consumers run independently, so a prioritisation or cancellation may come
before its voucher; it then fails with NotFound and is redelivered (with back-off) until
the voucher exists. Creating a voucher or a renewal line is idempotent: the primary key
decides (INSERT … ON CONFLICT DO NOTHING), so two deliveries at once leave one line and
one audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared.atomic import inserted
from shared.auth import Actor, require_branch
from shared.context import Context
from shared.events.billing import ContractExpiring
from shared.events.intake import CallCancelled, CallPrioritised, CallRegistered
from shared.rules import NotFound

from ..domain import board as rules_board
from ..domain.board import VoucherKind, VoucherStatus
from ..models import (
    Assignment,
    PartLine,
    RepairCard,
    RepairWork,
    Signature,
    Voucher,
    WorkshopEntry,
)
from .common import load_voucher

_SYSTEM = Actor.system("dispatch")


async def voucher_issued(ctx: Context, session: AsyncSession, event: CallRegistered) -> None:
    """SPEC S8: the voucher of a newly registered call waits on the board; S18: first
    among the waiting when intake registered it as priority (received on an earlier day).

    The voucher is inserted unless its number exists (also concurrently): one statement,
    the primary key decides (``shared.atomic.inserted``). Its row is a mapping, not an ORM
    ``Voucher``: building the instrumented object cost an eighth of dispatch's CPU per
    call, for a row nothing else reads in this transaction (issue 17)."""
    reason = (rules_board.EARLIER_DAY_REASON.format(
        day=ctx.branch(event.branch).local_date(event.received_at).isoformat())
        if event.priority else None)
    now = ctx.now()
    if not await inserted(session, Voucher.__table__, {
        "voucher_no": event.voucher_no, "kind": VoucherKind.CALL.value,
        "call_id": event.call_id, "branch": event.branch, "category": event.category,
        "sla_class": event.sla_class, "customer_id": event.customer_id,
        "product_id": event.product_id, "customer_name": event.customer_name,
        "district": event.district, "model": event.model, "symptom": event.symptom,
        "received_at": event.received_at, "arrival_due_at": event.arrival_due_at,
        "arrival_due_provisional": event.arrival_due_provisional,
        "priority": event.priority, "priority_reason": reason,
        "prioritised_at": now if event.priority else None,
        "status": VoucherStatus.WAITING.value, "technician_id": None, "created_at": now,
    }, key=("voucher_no",)):
        return
    await ctx.audit.record(session, actor=_SYSTEM, action="voucher.issued",
                           subject_type="voucher", subject_id=event.voucher_no,
                           detail={"call_id": event.call_id,
                                   "registered_by": event.registered_by,
                                   "priority": event.priority,
                                   "backdate_approved_by": event.backdate_approved_by})


async def _voucher_of(session: AsyncSession, voucher_no: str) -> Voucher:
    voucher = await session.get(Voucher, voucher_no, with_for_update=True)
    if voucher is None:  # its CallRegistered has not been applied yet: redeliver later
        raise NotFound(f"voucher {voucher_no} not on the board yet", field="voucher_no")
    return voucher


async def call_prioritised(ctx: Context, session: AsyncSession, event: CallPrioritised) -> None:
    """SPEC S18: yesterday's undispatched call goes to the top of the board."""
    voucher = await _voucher_of(session, event.voucher_no)
    applied = rules_board.on_board(voucher.status)
    if applied:
        voucher.priority, voucher.priority_reason = True, event.reason
        voucher.prioritised_at = ctx.now()
    await ctx.audit.record(session, actor=_SYSTEM, action="voucher.prioritised",
                           subject_type="voucher", subject_id=voucher.voucher_no,
                           detail={"reason": event.reason, "applied": applied})


async def call_cancelled(ctx: Context, session: AsyncSession, event: CallCancelled) -> None:
    """The clerk withdrew the call: its voucher leaves the board, marked cancelled."""
    voucher = await _voucher_of(session, event.voucher_no)
    applied = rules_board.cancellable(voucher.status)
    if applied:
        voucher.status = VoucherStatus.CANCELLED.value
        voucher.cancelled_at, voucher.cancel_reason = ctx.now(), event.reason
    await ctx.audit.record(session, actor=_SYSTEM, action="voucher.cancelled",
                           subject_type="voucher", subject_id=voucher.voucher_no,
                           detail={"reason": event.reason, "by": event.cancelled_by,
                                   "applied": applied})


async def contract_expiring(ctx: Context, session: AsyncSession, event: ContractExpiring) -> None:
    """SPEC S20: a month before a contract ends, a renewal visit appears on the board."""
    branch = ctx.branch(event.branch)
    voucher_no = rules_board.renewal_voucher_no(branch.code, event.contract_no)
    now = ctx.now()
    if not await inserted(session, Voucher.__table__, {
        "voucher_no": voucher_no, "kind": VoucherKind.RENEWAL.value, "call_id": None,
        "contract_no": event.contract_no, "branch": branch.code, "category": "B",
        "sla_class": "renewal", "customer_id": event.customer_id,
        "product_id": event.product_id, "customer_name": f"customer {event.customer_id}",
        "district": "", "model": f"product {event.product_id}",
        "symptom": f"maintenance contract {event.contract_no} ends {event.ends_on}: "
                   "win renewal",
        "received_at": now,
        "arrival_due_at": rules_board.renewal_due_at(event.ends_on, branch.timezone),
        "priority": False, "status": VoucherStatus.WAITING.value, "created_at": now,
    }, key=("voucher_no",)):
        return
    await ctx.audit.record(session, actor=_SYSTEM, action="renewal_visit.issued",
                           subject_type="voucher", subject_id=voucher_no,
                           detail={"contract_no": event.contract_no,
                                   "ends_on": event.ends_on.isoformat()})


@dataclass(frozen=True)
class BoardItem:
    """A voucher as the board shows it now: its priority computed at read time (S18)."""

    voucher: Voucher
    priority: bool
    priority_reason: str | None

    @property
    def status(self) -> str:
        return self.voucher.status

    @property
    def arrival_due_at(self) -> datetime:
        return self.voucher.arrival_due_at

    @property
    def voucher_no(self) -> str:
        return self.voucher.voucher_no


def _segments(
    *, cutoff: datetime | ColumnElement[datetime], include_closed: bool
) -> list[tuple[int, ColumnElement[bool]]]:
    """The board order (S8/S18) as disjoint slices, each read in (deadline, number) order.

    ``board_order`` sorts by (not waiting, not priority, deadline, number), where a
    waiting call received before ``cutoff`` (today's branch-local midnight) is priority
    even when not flagged. Each slice below is one value of the first two keys, split
    further by (status, flag, kind) so that every slice is an exact prefix of
    ``ix_vouchers_board`` walked in order and stopped at the page; the only filter left,
    on the receipt time, is answered from the index too. The database never sorts the
    branch's open vouchers, however many there are.
    """
    waiting, call = VoucherStatus.WAITING.value, VoucherKind.CALL.value
    kinds = [k.value for k in VoucherKind]

    def exact(status: str, flagged: bool, kind: str) -> ColumnElement[bool]:
        return and_(Voucher.status == status, Voucher.priority.is_(flagged),
                    Voucher.kind == kind)

    slices: list[tuple[int, ColumnElement[bool]]] = [(0, exact(waiting, True, k)) for k in kinds]
    slices += [
        (0, and_(exact(waiting, False, call), Voucher.received_at < cutoff)),
        (1, and_(exact(waiting, False, call), Voucher.received_at >= cutoff)),
    ]
    slices += [(1, exact(waiting, False, k)) for k in kinds if k != call]
    others = [s.value for s in VoucherStatus if s is not VoucherStatus.WAITING
              and (include_closed or rules_board.on_board(s.value))]
    for flagged, segment in ((True, 2), (False, 3)):
        slices += [(segment, exact(status, flagged, kind))
                   for status in others for kind in kinds]
    return slices


def _segment_of(voucher: Voucher, *, cutoff: datetime) -> int:
    """The slice group (0..3) of one voucher, as ``_segments`` splits them."""
    waiting = voucher.status == VoucherStatus.WAITING.value
    earlier = voucher.kind == VoucherKind.CALL.value and voucher.received_at < cutoff
    if waiting:
        return 0 if voucher.priority or earlier else 1
    return 2 if voucher.priority else 3


@cache
def _board_query(*, include_closed: bool, segment_after: int | None, by_technician: bool,
                 limited: bool) -> Any:
    """The board's statement for one shape of request, built once (issue 17): the branch,
    the cutoff, the cursor, the technician and the limit are bound parameters, so a read
    neither rebuilds the union of slices nor computes its cache key again (building it
    was a third of the board's time at volume)."""
    members = []
    for segment, where in _segments(cutoff=bindparam("cutoff", type_=Voucher.received_at.type),
                                    include_closed=include_closed):
        if segment_after is not None and segment < segment_after:
            continue
        query = select(Voucher.voucher_no, Voucher.arrival_due_at,
                       literal(segment).label("segment")
                       ).where(Voucher.branch == bindparam("branch"), where)
        if by_technician:
            query = query.where(Voucher.technician_id == bindparam("technician_id"))
        if segment == segment_after:
            query = query.where(tuple_(Voucher.arrival_due_at, Voucher.voucher_no) > tuple_(
                bindparam("due_after", type_=Voucher.arrival_due_at.type),
                bindparam("no_after", type_=Voucher.voucher_no.type)))
        query = query.order_by(Voucher.arrival_due_at, Voucher.voucher_no)
        if limited:
            query = query.limit(bindparam("limit", type_=Integer))
        members.append(select(query.subquery()))
    if not members:
        return None
    # Cut the page from the slices' keys first, then read only its vouchers whole.
    merged = union_all(*members).subquery("slices")
    keys = select(merged).order_by(merged.c.segment, merged.c.arrival_due_at,
                                   merged.c.voucher_no)
    if limited:
        keys = keys.limit(bindparam("limit", type_=Integer))
    page = keys.subquery("page")
    return (select(Voucher, page.c.segment)
            .join(page, page.c.voucher_no == Voucher.voucher_no)
            .order_by(page.c.segment, page.c.arrival_due_at, page.c.voucher_no))


async def board(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str,
    include_closed: bool = False, limit: int | None = None, after: str | None = None,
    technician_id: str | None = None,
) -> list[BoardItem]:
    """The branch's board in dispatch order (SPEC S8, S18): a waiting call received on an
    earlier branch-local day is priority as soon as it is read, not only after the
    morning reconciliation flags it.

    Filtered, ordered and cut in SQL: at most ``limit`` lines (all when None) following
    the voucher ``after`` (keyset paging, CONTRACT "Lists"); closed vouchers are never
    loaded unless ``include_closed``. ``technician_id`` keeps one technician's lines.
    """
    here = ctx.branch(branch)
    require_branch(actor, branch)
    today = here.local_date(ctx.now())
    # received_on < today  <=>  received_at < today's local midnight (as an instant).
    cutoff = datetime.combine(today, time(0), tzinfo=here.zone).astimezone(UTC)
    params: dict[str, Any] = {"branch": branch, "cutoff": cutoff}
    segment_after: int | None = None
    if after is not None:
        mark = await session.get(Voucher, after)
        if mark is None or mark.branch != branch:
            raise NotFound(f"no voucher {after} on this board", field="after")
        segment_after = _segment_of(mark, cutoff=cutoff)
        params |= {"due_after": mark.arrival_due_at, "no_after": mark.voucher_no}
    if technician_id is not None:
        params["technician_id"] = technician_id
    if limit is not None:
        params["limit"] = limit
    query = _board_query(include_closed=include_closed, segment_after=segment_after,
                         by_technician=technician_id is not None, limited=limit is not None)
    if query is None:
        return []
    items = []
    for v, _segment in (await session.execute(query, params)).all():
        priority, reason = rules_board.priority_of(
            status=v.status, kind=v.kind, stored=v.priority, stored_reason=v.priority_reason,
            received_on=here.local_date(v.received_at), today=today)
        items.append(BoardItem(voucher=v, priority=priority, priority_reason=reason))
    # Already in this order from SQL; sorting the page again costs nothing and keeps the
    # pure rule (rules_board.board_order) the one definition of the order.
    return sorted(items, key=rules_board.board_order)


@dataclass(frozen=True)
class History:
    """Every paper of one voucher (SPEC §8)."""

    voucher: Voucher
    assignments: list[Assignment]
    signatures: list[Signature]
    parts: list[PartLine]
    repair_card: RepairCard | None
    labour_on_card: int
    workshop_entry: WorkshopEntry | None
    timeline: list[dict[str, Any]]


async def labour_on_card(session: AsyncSession, repair_card_no: str) -> int:
    """Minutes of actual labour logged on a repair card (S12)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(RepairWork.minutes), 0))
        .where(RepairWork.repair_card_no == repair_card_no))
    return int(total or 0)


async def history(
    ctx: Context, session: AsyncSession, *, actor: Actor, voucher_no: str
) -> History:
    """The voucher: status, assignments, arrival, signatures, repair card and audit timeline."""
    voucher = await load_voucher(session, voucher_no)
    require_branch(actor, voucher.branch)

    async def rows(model: Any, *where: Any, order: Any) -> list[Any]:
        return list(await session.scalars(select(model).where(*where).order_by(order)))

    card = await session.scalar(select(RepairCard).where(RepairCard.voucher_no == voucher_no))
    labour = await labour_on_card(session, card.repair_card_no) if card is not None else 0
    return History(
        voucher=voucher,
        assignments=await rows(Assignment, Assignment.voucher_no == voucher_no,
                               order=Assignment.id),
        signatures=await rows(Signature, Signature.voucher_no == voucher_no, order=Signature.id),
        parts=await rows(PartLine, PartLine.voucher_no == voucher_no, order=PartLine.id),
        repair_card=card,
        labour_on_card=labour,
        workshop_entry=await session.scalar(
            select(WorkshopEntry).where(WorkshopEntry.voucher_no == voucher_no)),
        timeline=await ctx.audit.history(session, subject_type="voucher",
                                         subject_id=voucher_no),
    )


async def completed_since(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, technician_id: str,
    since: datetime,
) -> list[Voucher]:
    """One technician's vouchers completed from ``since`` on (the technician's "done
    today"), newest first: read by its own filter, never by loading the closed board."""
    ctx.branch(branch)
    require_branch(actor, branch)
    return list(await session.scalars(
        select(Voucher).where(Voucher.branch == branch, Voucher.technician_id == technician_id,
                              Voucher.status == VoucherStatus.COMPLETED.value,
                              Voucher.completed_at >= since)
        .order_by(Voucher.completed_at.desc(), Voucher.voucher_no)))
