"""Maintenance contracts and their expiry notices (SPEC S6 B, S20).

Invariants enforced here:

- opening a contract publishes ``CoverGranted(kind=contract)`` in the same transaction, so
  intake classifies the product's calls as B (S6) from ``starts_on`` to ``ends_on``;
- the S20 notice falls due at the branch-local midnight starting the day one month before
  the contract ends; the ``contract-expiry`` watcher fires it the moment it passes and
  stamps ``notice_sent_at`` in the same transaction (rows are taken ``FOR UPDATE SKIP
  LOCKED``), so each contract gets exactly one notice and one ``ContractExpiring`` even
  across restarts or replicas; the same transaction queues the notice as a letter to the
  holder (issue 14, ``notice_letters``), so each notice is mailed or printed once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor, require_branch
from shared.context import Context
from shared.db import get_or_404, is_sqlite
from shared.events.billing import ContractExpiring, CoverGranted
from shared.keyset import after_key
from shared.rules import NotFound

from ..domain import contracts as rules
from ..domain.pricing import CollectionMode, InvoiceLine, LineKind
from ..models import Contract, ExpiryNotice
from .common import next_serial
from .invoices import announce, raise_invoice
from .notice_letters import Addressee, addressee, queue_notice_letter

WATCHER = "contract-expiry"


def _notice_due_at(ctx: Context, branch: str, ends_on: date) -> datetime:
    tz = ctx.branch(branch).zone
    local = datetime.combine(rules.expiry_notice_date(ends_on), time(0), tzinfo=tz)
    return local.astimezone(UTC)


async def open_contract(
    ctx: Context, session: AsyncSession, *, actor: Actor, branch: str, customer_id: int,
    product_id: int, starts_on: date, ends_on: date, fee: Decimal,
) -> Contract:
    """Open a maintenance contract, invoice its fee and grant cover (SPEC S6 B, S20)."""
    ctx.branch(branch)
    require_branch(actor, branch)
    rules.check_term(starts_on=starts_on, ends_on=ends_on)
    amount = rules.contract_fee(fee)
    year = ctx.branch(branch).local_date(ctx.now()).year
    serial = await next_serial(session, kind="contract", scope=branch, period=str(year))
    contract = Contract(
        contract_no=f"MC-{branch}-{year:04d}-{serial:05d}", branch=branch,
        customer_id=customer_id, product_id=product_id, starts_on=starts_on, ends_on=ends_on,
        fee=amount, notice_due_at=_notice_due_at(ctx, branch, ends_on), notice_sent_at=None,
        created_by=actor.user_id, created_at=ctx.now(),
    )
    session.add(contract)
    await session.flush()
    await ctx.audit.record(session, actor=actor, action="contract.opened", subject_type="contract",
                           subject_id=contract.contract_no,
                           detail={"customer_id": customer_id, "product_id": product_id,
                                   "starts_on": starts_on, "ends_on": ends_on, "fee": amount})
    if amount > 0:
        line = InvoiceLine(kind=LineKind.FEE, description=f"Maintenance contract "
                           f"{contract.contract_no} {starts_on}–{ends_on}",
                           quantity=Decimal(1), unit_price=amount, amount=amount)
        invoice = await raise_invoice(
            ctx, session, actor=actor, branch=branch, source="contract", lines=[line],
            issued_on=ctx.branch(branch).local_date(ctx.now()),
            collection=CollectionMode.INVOICE_LATER, ref=contract.contract_no,
            customer_id=customer_id,
        )
        await announce(ctx, session, invoice)
    await ctx.outbox.add(session, CoverGranted(
        kind="contract", ref=contract.contract_no, branch=branch, customer_id=customer_id,
        product_id=product_id, starts_on=starts_on, ends_on=ends_on,
    ))
    ctx.wake_after_commit(session, WATCHER)
    return contract


async def get_contract(session: AsyncSession, contract_no: str, *, actor: Actor) -> Contract:
    """One contract, or 404 naming ``contract_no``; 403 outside the caller's branch."""
    contract = await get_or_404(session, Contract, contract_no, what="contract",
                                field="contract_no")
    require_branch(actor, contract.branch, field="contract_no")
    return contract


async def next_notice_due(session: AsyncSession) -> datetime | None:
    """The earliest expiry notice not yet sent (SPEC S20; the watcher's ``next_due``)."""
    return await session.scalar(
        select(func.min(Contract.notice_due_at)).where(Contract.notice_sent_at.is_(None))
    )


async def send_due_notices(ctx: Context, session: AsyncSession, now: datetime) -> int:
    """Issue every expiry notice that has fallen due, once each (SPEC S20)."""
    query = (
        select(Contract)
        .where(Contract.notice_sent_at.is_(None), Contract.notice_due_at <= now)
        .order_by(Contract.notice_due_at, Contract.contract_no)
    )
    if not is_sqlite(session):
        query = query.with_for_update(skip_locked=True)
    due = list(await session.scalars(query))
    actor = Actor.system("billing")
    for contract in due:
        contract.notice_sent_at = now
        notice = ExpiryNotice(
            contract_no=contract.contract_no, branch=contract.branch,
            customer_id=contract.customer_id, product_id=contract.product_id,
            ends_on=contract.ends_on, issued_on=ctx.branch(contract.branch).local_date(now),
            issued_at=now,
        )
        session.add(notice)
        letter = await queue_notice_letter(ctx, session, contract=contract, notice=notice,
                                           actor=actor)
        await ctx.audit.record(session, actor=actor, action="contract.expiry_notice_sent",
                               subject_type="contract", subject_id=contract.contract_no,
                               detail={"ends_on": contract.ends_on, "letter": str(letter.id),
                                       "letter_status": letter.status})
        await ctx.outbox.add(session, ContractExpiring(
            contract_no=contract.contract_no, branch=contract.branch,
            customer_id=contract.customer_id, product_id=contract.product_id,
            ends_on=contract.ends_on,
        ))
    return len(due)


async def expiry_notices(session: AsyncSession, *, branch: str, after_id: int = 0,
                         limit: int | None = None) -> list[ExpiryNotice]:
    """A branch's expiry notices, oldest first (SPEC S20), from after the notice
    ``after_id``, at most ``limit`` (all when None; CONTRACT "Lists")."""
    query = after_key(select(ExpiryNotice).where(ExpiryNotice.branch == branch),
                      key=ExpiryNotice.id, after=after_id, limit=limit)
    return list(await session.scalars(query))


async def notices_coming(
    session: AsyncSession, *, branch: str, until: datetime
) -> list[Contract]:
    """A branch's contracts whose S20 notice is not sent yet and falls due by ``until``."""
    rows = await session.scalars(
        select(Contract).where(Contract.branch == branch, Contract.notice_sent_at.is_(None),
                               Contract.notice_due_at <= until)
        .order_by(Contract.notice_due_at, Contract.contract_no)
    )
    return list(rows)


async def issued_notice(
    ctx: Context, session: AsyncSession, contract_no: str, *, actor: Actor
) -> tuple[Contract, ExpiryNotice, Addressee]:
    """A contract's issued S20 notice with its addressee (for the printed notice); 404
    while the notice has not been issued, 403 outside the caller's branch."""
    contract = await get_contract(session, contract_no, actor=actor)
    notice = await session.scalar(
        select(ExpiryNotice).where(ExpiryNotice.contract_no == contract.contract_no))
    if notice is None:
        raise NotFound(f"no expiry notice issued for {contract_no} yet", field="contract_no",
                       rule="S20")
    return contract, notice, await addressee(ctx, session, contract)
