"""Claims for covered work (SPEC E5, S6 B): open, list, submit, settle.

Invariants enforced here:

- a claim is costed with the lines an A invoice of the same job would carry (the
  branch's price list, the completion's labour and parts), and those lines never change;
- one claim per voucher and kind; its opening journal entry is booked in the same
  transaction (a receivable from the provider, or the company's own cost of the cover);
- a provider's claim goes ``open → submitted → paid | rejected``, each step by an
  accountant of the claim's branch, recorded with who and when, loaded ``FOR UPDATE``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch, scoped_branch
from shared.context import Context
from shared.db import get_or_404
from shared.keyset import after_mark, mark_of

from ..domain import claims as rules
from ..domain.pricing import InvoiceLine as LineSpec
from ..domain.pricing import total
from ..models import ClaimLine, WarrantyClaim
from .common import book, next_serial


async def open_claim(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, voucher_no: str,
    kind: str, cover_kind: str, ref: str, provider: str | None, lines: list[LineSpec],
) -> WarrantyClaim | None:
    """Claim covered work against its cover (SPEC E5); None when it costs nothing or the
    voucher already has this kind of claim."""
    amount = total(lines)
    if amount <= 0 or await session.scalar(select(WarrantyClaim).where(
            WarrantyClaim.voucher_no == voucher_no, WarrantyClaim.kind == kind)):
        return None
    now = ctx.now()
    year = ctx.branch(branch).local_date(now).year
    serial = await next_serial(session, kind="claim", scope=branch, period=str(year))
    claim = WarrantyClaim(
        claim_no=f"WC-{branch}-{year:04d}-{serial:06d}", branch=branch, voucher_no=voucher_no,
        kind=kind, cover_kind=cover_kind, ref=ref, provider=provider, amount=amount,
        status=rules.initial_status(provider).value, opened_at=now, submitted_by=None,
        submitted_at=None, settled_by=None, settled_at=None, provider_ref=None, note=None,
    )
    session.add(claim)
    await session.flush()  # the lines' foreign key needs the claim's row first
    session.add_all(
        ClaimLine(claim_no=claim.claim_no, position=i, kind=x.kind.value,
                  description=x.description, quantity=x.quantity, unit_price=x.unit_price,
                  amount=x.amount)
        for i, x in enumerate(lines))
    await session.flush()
    payer = f"provider {provider}" if provider else f"{cover_kind} {ref}"
    await book(ctx, session, actor=actor,
               lines=rules.journal_for_claim(amount, provider=provider),
               source_type="warranty_claim", source_no=claim.claim_no,
               memo=f"claim {claim.claim_no} ({kind}) on {voucher_no} against {payer}")
    await ctx.audit.record(session, actor=actor, action="claim.opened",
                           subject_type="warranty_claim", subject_id=claim.claim_no,
                           detail={"voucher_no": voucher_no, "kind": kind, "ref": ref,
                                   "provider": provider, "amount": amount,
                                   "status": claim.status})
    return claim


async def find_claims(
    session: AsyncSession, *, actor: Actor, branch: str | None, status: str | None,
    provider: str | None, voucher_no: str | None = None, after: str | None = None,
    limit: int | None = None,
) -> list[WarrantyClaim]:
    """Claims of the caller's branch, by status, provider or voucher (SPEC E5), oldest
    first, from after the claim ``after``, at most ``limit`` (all when None; CONTRACT
    "Lists")."""
    scope = scoped_branch(actor, branch)
    mark = await mark_of(session, WarrantyClaim, after, what="claim",
                         visible=lambda c: scope is None or c.branch == scope)
    query = select(WarrantyClaim)
    for column, value in ((WarrantyClaim.branch, scope),
                          (WarrantyClaim.status, status), (WarrantyClaim.provider, provider),
                          (WarrantyClaim.voucher_no, voucher_no)):
        if value is not None:
            query = query.where(column == value)
    query = after_mark(query, order=WarrantyClaim.opened_at, key=WarrantyClaim.claim_no,
                       mark=mark, limit=limit)
    return list(await session.scalars(query))


async def get_claim(
    session: AsyncSession, claim_no: str, *, actor: Actor, lock: bool = False
) -> WarrantyClaim:
    """One claim, or 404 naming ``claim_no``; 403 outside the caller's branch."""
    claim = await get_or_404(session, WarrantyClaim, claim_no, what="claim",
                             field="claim_no", lock=lock)
    require_branch(actor, claim.branch, field="claim_no")
    return claim


async def claim_lines(session: AsyncSession, claim_no: str) -> list[ClaimLine]:
    """A claim's costed lines in order."""
    return list(await session.scalars(
        select(ClaimLine).where(ClaimLine.claim_no == claim_no).order_by(ClaimLine.position)))


async def submit(
    ctx: Context, session: AsyncSession, *, actor: Actor, claim_no: str,
    provider_ref: str | None,
) -> WarrantyClaim:
    """The accountant sends an open claim to its provider (SPEC E5)."""
    claim = await get_claim(session, claim_no, actor=actor, lock=True)
    rules.check_transition(claim.status, rules.ClaimStatus.SUBMITTED)
    claim.status = rules.ClaimStatus.SUBMITTED.value
    claim.submitted_by, claim.submitted_at = actor.user_id, ctx.now()
    claim.provider_ref = provider_ref or claim.provider_ref
    await ctx.audit.record(session, actor=actor, action="claim.submitted",
                           subject_type="warranty_claim", subject_id=claim_no,
                           detail={"provider": claim.provider, "provider_ref": provider_ref})
    return claim


async def settle(
    ctx: Context, session: AsyncSession, *, actor: Actor, claim_no: str, paid: bool,
    note: str | None,
) -> WarrantyClaim:
    """The provider's answer: paid (cash in) or rejected (the company's cost) (SPEC E5)."""
    claim = await get_claim(session, claim_no, actor=actor, lock=True)
    target = rules.ClaimStatus.PAID if paid else rules.ClaimStatus.REJECTED
    rules.check_transition(claim.status, target)
    claim.status, claim.settled_by, claim.settled_at = target.value, actor.user_id, ctx.now()
    claim.note = note
    await book(ctx, session, actor=actor,
               lines=rules.journal_for_settlement(claim.amount, paid=paid),
               source_type="warranty_claim", source_no=claim_no,
               memo=f"claim {claim_no} {target.value} by {claim.provider}"
                    + (f": {note}" if note else ""))
    await ctx.audit.record(session, actor=actor, action=f"claim.{target.value}",
                           subject_type="warranty_claim", subject_id=claim_no,
                           detail={"amount": claim.amount, "note": note})
    return claim
