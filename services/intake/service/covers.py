"""What covers a product, and what a cover decided for a call (SPEC S6, E1, E3).

Invariants:
- An extended warranty sold at a store's till covers the product from the moment intake
  registers the sale (S6): the cover is recorded in the sale's own transaction, computed
  from the sale (E1), pending the contract's number. Billing's ``CoverGranted`` for that
  product attaches its number to the same row instead of adding a second one, whichever
  arrives first; a replayed ``CoverGranted`` changes nothing more.
- ``CoverRefused`` (E3) makes its call A with the reason, once: a replay, or a refusal of
  a call already refused on that contract, is recorded in the audit log and changes
  nothing else.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import get_or_404
from shared.events.billing import CoverGranted, CoverRefused

from .. import domain
from ..models import Product, ProductCover
from .common import load_call

EXTENDED_WARRANTY = "extended_warranty"
_SYSTEM = Actor.system("intake")


async def sold_with_extended_warranty(
    ctx: Context, session: AsyncSession, *, actor: Actor, product: Product, years: int,
    source: str,
) -> ProductCover:
    """SPEC S6/E1: the extended warranty a sale carried covers the product now, its number
    to come from billing; a cover billing already granted for the product is kept."""
    granted = await _extended_warranty_of(session, product.id)
    if granted is not None:  # billing was first (or the sale is told twice): one cover
        return granted
    starts_on, ends_on = domain.extended_warranty_cover(product.warranty_ends_on, years)
    cover = ProductCover(product_id=product.id, kind=EXTENDED_WARRANTY, ref=None,
                         starts_on=starts_on, ends_on=ends_on, recorded_at=ctx.now(),
                         source=source)
    session.add(cover)
    await session.flush()
    await ctx.audit.record(
        session, actor=actor, action="product.covered", subject_type="product",
        subject_id=product.id,
        detail={"kind": EXTENDED_WARRANTY, "ref": None, "pending": True, "years": years,
                "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                "source": source},
    )
    return cover


async def _extended_warranty_of(session: AsyncSession, product_id: int) -> ProductCover | None:
    """The product's extended warranty, pending or granted (billing opens one per product)."""
    return await session.scalar(
        select(ProductCover)
        .where(ProductCover.product_id == product_id, ProductCover.kind == EXTENDED_WARRANTY)
        .order_by(ProductCover.ref.is_(None), ProductCover.id)  # a numbered one first
        .limit(1)
    )


async def cover_granted(ctx: Context, session: AsyncSession, event: CoverGranted) -> None:
    """SPEC S6 B: a contract or extended warranty covers a product; later calls are B.

    An extended warranty recorded from its sale gets the contract's number and billing's
    dates (billing's contract is the record); it is not added a second time.
    """
    product = await get_or_404(session, Product, event.product_id, what="product",
                               field="product_id")
    cover = await session.scalar(
        select(ProductCover).where(ProductCover.kind == event.kind, ProductCover.ref == event.ref)
    )
    if cover is None and event.kind == EXTENDED_WARRANTY:
        cover = await session.scalar(
            select(ProductCover).where(ProductCover.product_id == product.id,
                                       ProductCover.kind == EXTENDED_WARRANTY,
                                       ProductCover.ref.is_(None))
            .order_by(ProductCover.id).limit(1)
        )
    attached = cover is not None and cover.ref is None
    if cover is None:
        cover = ProductCover(kind=event.kind, ref=event.ref, product_id=product.id,
                             starts_on=event.starts_on, ends_on=event.ends_on,
                             recorded_at=ctx.now())
        session.add(cover)
    # a renewal or correction of the same contract moves its dates
    cover.ref, cover.starts_on, cover.ends_on = event.ref, event.starts_on, event.ends_on
    cover.granted_at = ctx.now()
    await ctx.audit.record(
        session, actor=_SYSTEM, action="product.covered", subject_type="product",
        subject_id=product.id,
        detail={"kind": event.kind, "ref": event.ref, "starts_on": event.starts_on.isoformat(),
                "ends_on": event.ends_on.isoformat(), "event_id": event.event_id,
                "attached_to_sale": attached},
    )


async def cover_refused(ctx: Context, session: AsyncSession, event: CoverRefused) -> None:
    """SPEC E3: the technician's findings put the job outside the cover (misuse, an
    excluded part…): the call is category A, paid, with the reason shown."""
    call = await load_call(session, event.call_id, lock=True)
    applied = call.cover_refused_ref != event.ref or call.category != event.category
    if applied:
        if call.category_before is None:
            call.category_before = call.category
        call.category, call.category_reason = event.category, event.reason
        call.cover_refused_ref, call.category_changed_at = event.ref, ctx.now()
    await ctx.audit.record(
        session, actor=_SYSTEM, action="call.cover_refused", subject_type="call",
        subject_id=call.id,
        detail={"ref": event.ref, "reason": event.reason, "category": call.category,
                "category_before": call.category_before, "applied": applied,
                "event_id": event.event_id},
    )
