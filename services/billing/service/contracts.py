"""Maintenance contracts and their expiry notices (SPEC S6 B, S20).

Invariants enforced here:

- opening a contract publishes ``CoverGranted(kind=contract)`` in the same transaction, so
  intake classifies the product's calls as B (S6) from ``starts_on`` to ``ends_on``;
- the S20 notice falls due at the branch-local midnight starting the day one month before
  the contract ends; the ``contract-expiry`` watcher fires it the moment it passes and
  stamps ``notice_sent_at`` in the same transaction (rows are taken ``FOR UPDATE SKIP
  LOCKED``), so each contract gets exactly one notice and one ``ContractExpiring`` even
  across restarts or replicas.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.db import get_or_404
from shared.events.billing import ContractExpiring, CoverGranted
from shared.runtime import Runtime

from ..domain import contracts as rules
from ..domain.pricing import CollectionMode, InvoiceLine, LineKind
from ..models import Contract, ExpiryNotice
from .common import local_date, next_serial, record
from .invoices import announce, raise_invoice

WATCHER = "contract-expiry"


def _notice_due_at(rt: Runtime, branch: str, ends_on: date) -> datetime:
    tz = ZoneInfo(rt.branch(branch).timezone)
    local = datetime.combine(rules.expiry_notice_date(ends_on), time(0), tzinfo=tz)
    return local.astimezone(UTC)


async def open_contract(
    rt: Runtime, session: AsyncSession, *, actor: Actor, branch: str, customer_id: int,
    product_id: int, starts_on: date, ends_on: date, fee: Decimal,
) -> Contract:
    """Open a maintenance contract, invoice its fee and grant cover (SPEC S6 B, S20)."""
    rt.branch(branch)
    rules.check_term(starts_on=starts_on, ends_on=ends_on)
    amount = rules.contract_fee(fee)
    year = local_date(rt, branch, rt.clock.now()).year
    serial = await next_serial(session, kind="contract", scope=branch, period=str(year))
    contract = Contract(
        contract_no=f"MC-{branch}-{year:04d}-{serial:05d}", branch=branch,
        customer_id=customer_id, product_id=product_id, starts_on=starts_on, ends_on=ends_on,
        fee=amount, notice_due_at=_notice_due_at(rt, branch, ends_on), notice_sent_at=None,
        created_by=actor.user_id, created_at=rt.clock.now(),
    )
    session.add(contract)
    await session.flush()
    await record(rt, session, actor=actor, action="contract.opened", subject_type="contract",
                 subject_id=contract.contract_no,
                 detail={"customer_id": customer_id, "product_id": product_id,
                         "starts_on": starts_on, "ends_on": ends_on, "fee": amount})
    if amount > 0:
        line = InvoiceLine(kind=LineKind.FEE, description=f"Maintenance contract "
                           f"{contract.contract_no} {starts_on}–{ends_on}",
                           quantity=Decimal(1), unit_price=amount, amount=amount)
        invoice = await raise_invoice(
            rt, session, actor=actor, branch=branch, source="contract", lines=[line],
            issued_on=local_date(rt, branch, rt.clock.now()),
            collection=CollectionMode.INVOICE_LATER, ref=contract.contract_no,
            customer_id=customer_id,
        )
        await announce(rt, session, invoice)
    await rt.outbox.add(session, CoverGranted(
        kind="contract", ref=contract.contract_no, branch=branch, customer_id=customer_id,
        product_id=product_id, starts_on=starts_on, ends_on=ends_on,
    ))
    if WATCHER in rt.watchers:
        rt.watchers[WATCHER].wake_after_commit(session)
    return contract


async def get_contract(session: AsyncSession, contract_no: str) -> Contract:
    """One contract, or 404 naming ``contract_no``."""
    return await get_or_404(session, Contract, contract_no, what="contract", field="contract_no")


async def next_notice_due(session: AsyncSession) -> datetime | None:
    """The earliest expiry notice not yet sent (SPEC S20; the watcher's ``next_due``)."""
    return await session.scalar(
        select(func.min(Contract.notice_due_at)).where(Contract.notice_sent_at.is_(None))
    )


async def send_due_notices(rt: Runtime, session: AsyncSession, now: datetime) -> int:
    """Issue every expiry notice that has fallen due, once each (SPEC S20)."""
    query = (
        select(Contract)
        .where(Contract.notice_sent_at.is_(None), Contract.notice_due_at <= now)
        .order_by(Contract.notice_due_at, Contract.contract_no)
    )
    if not rt.db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    due = list(await session.scalars(query))
    actor = Actor.system("billing")
    for contract in due:
        contract.notice_sent_at = now
        session.add(ExpiryNotice(
            contract_no=contract.contract_no, branch=contract.branch,
            customer_id=contract.customer_id, product_id=contract.product_id,
            ends_on=contract.ends_on, issued_on=local_date(rt, contract.branch, now),
            issued_at=now,
        ))
        await record(rt, session, actor=actor, action="contract.expiry_notice_sent",
                     subject_type="contract", subject_id=contract.contract_no,
                     detail={"ends_on": contract.ends_on})
        await rt.outbox.add(session, ContractExpiring(
            contract_no=contract.contract_no, branch=contract.branch,
            customer_id=contract.customer_id, product_id=contract.product_id,
            ends_on=contract.ends_on,
        ))
    return len(due)


async def expiry_notices(session: AsyncSession, *, branch: str) -> list[ExpiryNotice]:
    """A branch's expiry notices, oldest first (SPEC S20)."""
    rows = await session.scalars(
        select(ExpiryNotice).where(ExpiryNotice.branch == branch).order_by(ExpiryNotice.id)
    )
    return list(rows)
