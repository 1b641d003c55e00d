"""Extended warranties sold at the counter or the POS (SPEC E1–E4, §7).

Invariants enforced here:

- the price is the domain quote for the product price and term (E1), unless a POS sale
  reports the price the store charged;
- the cover starts the day after the maker's warranty ends and runs ``years`` (E1);
  opening one publishes ``CoverGranted(kind=extended_warranty)`` in the same transaction;
- one extended warranty per product; a POS sale is applied once per
  ``(store_id, transaction_id)`` even if intake re-publishes it;
- a warranty sold through a store records the store's ``warranty_provider`` (stores
  file), who underwrites it and pays its claims (SPEC E5).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import get_or_404
from shared.events.billing import CoverGranted
from shared.events.intake import PosSaleRegistered
from shared.rules import WrongState
from shared.stores import load_stores

from ..domain import extended_warranty as ew
from ..domain.money import positive_money
from ..domain.pricing import CollectionMode, InvoiceLine, LineKind
from ..models import ExtendedWarranty
from .common import next_serial
from .invoices import announce, raise_invoice
from .warranty_rule import price_rule


def quote(*, product_price: Decimal | str, years: int) -> Decimal:
    """The price of an extended warranty for a product price and term, by the company's
    price file (SPEC E1)."""
    return ew.quote(product_price=product_price, years=years,  # type: ignore[arg-type]
                    rule=price_rule())


async def open_warranty(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, customer_id: int,
    product_id: int, product_price: Decimal | str, years: int, maker_warranty_ends_on: date,
    channel: str, price: Decimal | str | None = None, store_id: str | None = None,
    transaction_id: str | None = None,
) -> ExtendedWarranty:
    """Open an extended warranty and grant its cover (SPEC E1–E4)."""
    ctx.branch(branch)
    quoted = quote(product_price=product_price, years=years)
    charged = quoted if price is None else positive_money(price, field="price", rule="E1")
    if await session.scalar(select(ExtendedWarranty).where(
            ExtendedWarranty.product_id == product_id)):
        raise WrongState("the product already has an extended warranty", field="product_id",
                       rule="E1")
    starts_on, ends_on = ew.warranty_window(maker_warranty_ends_on, years)
    sold_on = ctx.branch(branch).local_date(ctx.now())
    serial = await next_serial(session, kind="warranty", scope=branch, period=str(sold_on.year))
    warranty = ExtendedWarranty(
        warranty_no=f"EW-{branch}-{sold_on.year:04d}-{serial:06d}", branch=branch,
        customer_id=customer_id, product_id=product_id,
        product_price=positive_money(product_price, field="product_price", rule="E1"),
        years=years, price=charged, maker_warranty_ends_on=maker_warranty_ends_on,
        starts_on=starts_on, ends_on=ends_on, channel=channel, store_id=store_id,
        transaction_id=transaction_id, sold_by=actor.user_id, sold_at=ctx.now(),
        provider=_provider(ctx, store_id), replaced_on=None, replacement_no=None,
    )
    session.add(warranty)
    await session.flush()
    await ctx.audit.record(session, actor=actor, action="extended_warranty.opened",
                           subject_type="extended_warranty", subject_id=warranty.warranty_no,
                           detail={"product_id": product_id, "years": years, "price": charged,
                                   "channel": channel, "store_id": store_id,
                                   "transaction_id": transaction_id})
    if channel == "counter":
        line = InvoiceLine(kind=LineKind.FEE, description=f"Extended warranty "
                           f"{warranty.warranty_no}, {years} year(s)", quantity=Decimal(1),
                           unit_price=charged, amount=charged)
        invoice = await raise_invoice(
            ctx, session, actor=actor, branch=branch, source="extended_warranty", lines=[line],
            issued_on=sold_on, collection=CollectionMode.INVOICE_LATER,
            ref=warranty.warranty_no, customer_id=customer_id,
        )
        await announce(ctx, session, invoice)
    await ctx.outbox.add(session, CoverGranted(
        kind="extended_warranty", ref=warranty.warranty_no, branch=branch,
        customer_id=customer_id, product_id=product_id, starts_on=starts_on, ends_on=ends_on,
    ))
    return warranty


def _provider(ctx: Context, store_id: str | None) -> str | None:
    """SPEC E5: the store's warranty provider underwrites what it sells; a counter sale
    (no store) is the company's own cover [choice]."""
    store = load_stores(ctx.settings.stores_file).get(store_id) if store_id else None
    return store.warranty_provider if store is not None else None


async def pos_sale(ctx: Context, session: AsyncSession, event: PosSaleRegistered) -> None:
    """A POS sale with an extended warranty opens it; the store collected the price (§7)."""
    if not event.extended_warranty_years:
        return
    covered = await session.scalar(select(ExtendedWarranty).where(
        ExtendedWarranty.product_id == event.product_id))
    if covered is not None:  # one per product, whatever the transaction carried
        return
    await open_warranty(
        ctx, session, actor=Actor(user_id=f"pos:{event.store_id}", role="pos"),
        branch=event.branch, customer_id=event.customer_id, product_id=event.product_id,
        product_price=event.price, years=event.extended_warranty_years,
        maker_warranty_ends_on=event.warranty_ends_on, channel="pos",
        price=event.extended_warranty_price, store_id=event.store_id,
        transaction_id=event.transaction_id,
    )


async def get_warranty(
    session: AsyncSession, warranty_no: str, *, actor: Actor
) -> ExtendedWarranty:
    """One extended warranty, or 404 naming ``warranty_no``; 403 outside the caller's
    branch."""
    warranty = await get_or_404(
        session, ExtendedWarranty, warranty_no,
        what="extended warranty", field="warranty_no",
    )
    require_branch(actor, warranty.branch, field="warranty_no")
    return warranty


def cover_terms() -> dict[str, object]:
    """The cover every extended warranty gives (SPEC E2–E4), as shown to the customer."""
    cover = ew.STANDARD_COVER
    return {
        "whole_unit": True,
        "unlimited_repairs": cover.max_repairs is None,
        "max_repairs": cover.max_repairs,
        "power_surge": ew.Cause.POWER_SURGE in cover.covered_causes,
        "remote_control": ew.Component.REMOTE_CONTROL not in cover.excluded_components,
        "replacement_when_unrepairable": cover.replace_when_unrepairable,
        "covered_causes": sorted(c.value for c in cover.covered_causes),
        "excluded_components": sorted(c.value for c in cover.excluded_components),
        "excluded_causes": sorted(c.value for c in ew.Cause if c not in cover.covered_causes),
    }
