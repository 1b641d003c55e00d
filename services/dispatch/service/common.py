"""What dispatch's use cases share: loading and guarding vouchers and repair cards,
signatures, parts and the S17-guarded work log.

Invariant (one winner, issue 11): every transition loads the record whose state it
checks through :func:`load_voucher` / :func:`load_card` with ``lock=True`` — ``FOR
UPDATE`` on PostgreSQL; on SQLite the unit of work already holds the write lock
(``BEGIN IMMEDIATE``, shared.db) — so concurrent requests queue and the later ones see
the new state (409). Lock order is repair card, then voucher, then report day.

Invariant (S17): every piece of work is logged through :func:`log_work`, which locks the
branch's report row for that day first; signing takes the same lock, so a signed report
never misses work and never gains any.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.claimed import BRANCH_APPROVERS, Claim, accept_claim
from shared.context import Context
from shared.db import find_or_404, get_or_404
from shared.events.dispatch import PartUsed
from shared.money import format_money
from shared.rules import Forbidden

from ..domain.reports import check_unsigned
from ..models import PartLine, RepairCard, ReportDay, Signature, Voucher, WorkLog
from ..schemas import PartIn


async def load_voucher(session: AsyncSession, voucher_no: str, *, lock: bool = False) -> Voucher:
    """The voucher (locked FOR UPDATE when ``lock``), or 404."""
    return await get_or_404(
        session, Voucher, voucher_no,
        what="voucher", field="voucher_no", lock=lock,
    )


async def load_card(session: AsyncSession, repair_card_no: str, *, lock: bool = False
                    ) -> RepairCard:
    """The repair card by its number (locked FOR UPDATE when ``lock``), or 404."""
    return await find_or_404(session, RepairCard, RepairCard.repair_card_no, repair_card_no,
                             what="repair card", field="repair_card_no", lock=lock)


def require_assigned(actor: Actor, voucher: Voucher) -> None:
    """Only the technician the voucher is assigned to acts on it (403 otherwise)."""
    require_branch(actor, voucher.branch)
    if actor.role != "technician" or actor.user_id != voucher.technician_id:
        holder = voucher.technician_id or "nobody yet"
        raise Forbidden(
            f"{actor.user_id} may not act on {voucher.voucher_no}: it is assigned to {holder}",
            field="technician_id",
        )


def require_assigned_or_approver(actor: Actor, voucher: Voucher) -> str:
    """The assigned technician, or a supervisor of the voucher's branch recording on the
    technician's behalf (SPEC CT1: a late entry needs an approver to record it). Returns
    the technician whose work it is."""
    if actor.role not in BRANCH_APPROVERS:
        require_assigned(actor, voucher)
        return actor.user_id
    require_branch(actor, voucher.branch)
    if voucher.technician_id is None:
        raise Forbidden(f"{voucher.voucher_no} is assigned to nobody yet", field="technician_id")
    return voucher.technician_id


def device_claim(
    ctx: Context, *, branch: str, claimed: datetime | None, actor: Actor,
    reason: str | None, field: str, what: str, not_before: datetime | None = None,
) -> Claim:
    """SPEC CT1: a time from a technician's phone, accepted within the branch's device
    window (it may have been offline); older only when a supervisor records it with a
    reason. The accepted time is in UTC."""
    claim = accept_claim(
        claimed, now=ctx.now(), window=ctx.branch(branch).claim_windows.device, field=field,
        actor_role=actor.role, actor_id=actor.user_id, reason=reason,
        approvers=BRANCH_APPROVERS, not_before=not_before, what=what)
    return Claim(at=claim.at.astimezone(UTC), received_at=claim.received_at,
                 backdate_reason=claim.backdate_reason,
                 backdate_approved_by=claim.backdate_approved_by)


async def sign(
    session: AsyncSession, *, voucher_no: str | None, document: str, document_no: str,
    purpose: str, signer: str, signer_role: str, at: datetime, recorded_by: str,
    image: str | None = None,
) -> None:
    """Keep a signature as a record: who, in what capacity, when, on which paper, and the
    signature as drawn on the screen when there is one (§8)."""
    session.add(Signature(
        voucher_no=voucher_no, document=document, document_no=document_no, purpose=purpose,
        signer=signer, signer_role=signer_role, signed_at=at, recorded_by=recorded_by,
        image=image,
    ))


async def add_parts(
    session: AsyncSession, *, voucher_no: str, repair_card_no: str | None,
    parts: Sequence[PartIn], actor: Actor, at: datetime,
) -> None:
    """Record parts replaced on a voucher (S9) or its repair card (S12)."""
    for part in parts:
        session.add(PartLine(
            voucher_no=voucher_no, repair_card_no=repair_card_no, part_no=part.part_no,
            quantity=part.quantity, unit_price=part.unit_price, logged_by=actor.user_id,
            logged_at=at,
        ))


def parts_used(lines: Sequence[PartLine]) -> list[PartUsed]:
    """Parts as billing reads them (money as decimal strings)."""
    return [PartUsed(part_no=p.part_no, quantity=p.quantity, unit_price=format_money(p.unit_price))
            for p in lines]


async def lock_report_day(session: AsyncSession, branch: str, day: date) -> ReportDay:
    """The branch's report row for ``day``, created if new, locked for this transaction."""
    row = await session.get(ReportDay, (branch, day), with_for_update=True)
    if row is None:
        try:
            async with session.begin_nested():
                session.add(ReportDay(branch=branch, day=day))
        except IntegrityError:
            pass  # created concurrently; lock theirs
        row = await session.get(
            ReportDay, (branch, day), with_for_update=True, populate_existing=True
        )
    assert row is not None
    return row


async def log_work(
    session: AsyncSession, *, branch: str, technician_id: str, day: date, category: str,
    minutes: int, source: str, voucher_no: str | None, note_text: str | None, actor: Actor,
    at: datetime, claim: Claim | None = None,
) -> WorkLog:
    """A piece of a technician's day (S15); refused once the day's report is signed (S17)."""
    report = await lock_report_day(session, branch, day)
    check_unsigned(branch, day, report.signed_at)
    entry = WorkLog(
        branch=branch, technician_id=technician_id, day=day, category=category,
        minutes=minutes, source=source, voucher_no=voucher_no, note=note_text,
        logged_at=at, logged_by=actor.user_id,
        backdate_reason=claim.backdate_reason if claim else None,
        backdate_approved_by=claim.backdate_approved_by if claim else None,
    )
    session.add(entry)
    return entry
