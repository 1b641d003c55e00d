"""Replacement of a unit that cannot be repaired, as an approved flow (SPEC E4).

Invariants enforced here:

- a covered completion reported ``repairable: false`` on an extended warranty opens one
  ``pending`` request (``remedy()`` decides it), visible to the branch's accountant and
  manager;
- only the branch manager of the request's branch decides it, once (loaded ``FOR
  UPDATE``): who, in what role and when are on the request and in the audit log;
- approval notes the replaced unit on the warranty (``replaced_on``, ``replacement_no``;
  the cover carries on for the new unit until its end) and claims the unit's price
  against the cover (SPEC E5); refusal keeps the reason.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch, scoped_branch
from shared.context import Context
from shared.db import get_or_404
from shared.keyset import after_mark, mark_of
from shared.rules import Forbidden

from ..domain import claims as rules
from ..domain.pricing import InvoiceLine, LineKind
from ..models import ExtendedWarranty, ReplacementRequest
from .claims import open_claim


async def open_request(
    ctx: Context, session: AsyncSession, *, warranty: ExtendedWarranty, voucher_no: str,
    technician_id: str,
) -> ReplacementRequest:
    """Ask for a replacement of an unrepairable covered unit (SPEC E4); once per voucher."""
    found = await session.scalar(select(ReplacementRequest).where(
        ReplacementRequest.voucher_no == voucher_no))
    if found is not None:
        return found
    request = ReplacementRequest(
        request_no=f"RR-{voucher_no}", branch=warranty.branch, voucher_no=voucher_no,
        warranty_no=warranty.warranty_no, customer_id=warranty.customer_id,
        product_id=warranty.product_id, provider=warranty.provider,
        status=rules.ReplacementStatus.PENDING.value, requested_at=ctx.now(),
        technician_id=technician_id, decided_by=None, decided_role=None, decided_at=None,
        decided_on=None, note=None, provider_ref=None,
    )
    session.add(request)
    await session.flush()
    await ctx.audit.record(session, actor=Actor.system("billing"), action="replacement.requested",
                           subject_type="replacement", subject_id=request.request_no,
                           detail={"warranty_no": warranty.warranty_no, "voucher_no": voucher_no,
                                   "technician_id": technician_id})
    return request


async def find_requests(
    session: AsyncSession, *, actor: Actor, branch: str | None, status: str | None,
    after: str | None = None, limit: int | None = None,
) -> list[ReplacementRequest]:
    """Replacement requests of the caller's branch, by status (SPEC E4), oldest first,
    from after the request ``after``, at most ``limit`` (all when None; CONTRACT
    "Lists")."""
    scope = scoped_branch(actor, branch)
    mark = await mark_of(session, ReplacementRequest, after, what="replacement request",
                         visible=lambda r: scope is None or r.branch == scope)
    query = select(ReplacementRequest)
    if scope is not None:
        query = query.where(ReplacementRequest.branch == scope)
    if status is not None:
        query = query.where(ReplacementRequest.status == status)
    query = after_mark(query, order=ReplacementRequest.requested_at,
                       key=ReplacementRequest.request_no, mark=mark, limit=limit)
    return list(await session.scalars(query))


async def get_request(
    session: AsyncSession, request_no: str, *, actor: Actor, lock: bool = False
) -> ReplacementRequest:
    """One replacement request, or 404 naming ``request_no``; 403 outside its branch."""
    request = await get_or_404(session, ReplacementRequest, request_no,
                               what="replacement request", field="request_no", lock=lock)
    require_branch(actor, request.branch, field="request_no")
    return request


async def decide(
    ctx: Context, session: AsyncSession, *, actor: Actor, request_no: str, approve: bool,
    note: str | None, provider_ref: str | None = None,
) -> ReplacementRequest:
    """The branch manager approves or refuses a replacement (SPEC E4)."""
    if actor.role not in rules.REPLACEMENT_APPROVERS:
        raise Forbidden(f"role {actor.role} does not approve replacements", rule="E4")
    request = await get_request(session, request_no, actor=actor, lock=True)
    rules.check_decision(request.status)
    now = ctx.now()
    status = rules.ReplacementStatus.APPROVED if approve else rules.ReplacementStatus.REFUSED
    request.status, request.note, request.provider_ref = status.value, note, provider_ref
    request.decided_by, request.decided_role, request.decided_at = actor.user_id, actor.role, now
    request.decided_on = ctx.branch(request.branch).local_date(now)
    if approve:
        warranty = await get_or_404(session, ExtendedWarranty, request.warranty_no,
                                    what="extended warranty", field="warranty_no", lock=True)
        warranty.replaced_on, warranty.replacement_no = request.decided_on, request_no
        unit = InvoiceLine(kind=LineKind.PART, description=f"Replacement unit for product "
                           f"{request.product_id} ({warranty.warranty_no})",
                           quantity=Decimal(1), unit_price=warranty.product_price,
                           amount=warranty.product_price)
        await open_claim(ctx, session, actor=actor, branch=request.branch,
                         voucher_no=request.voucher_no, kind="replacement",
                         cover_kind="extended_warranty", ref=warranty.warranty_no,
                         provider=warranty.provider, lines=[unit])
    await ctx.audit.record(session, actor=actor, action=f"replacement.{status.value}",
                           subject_type="replacement", subject_id=request_no,
                           detail={"note": note, "provider_ref": provider_ref,
                                   "warranty_no": request.warranty_no})
    return request
