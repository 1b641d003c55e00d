"""Delivering POS instructions to stores, retried with back-off (SPEC §7, CONTRACT "POS").

The ``pos-instructions`` deadline watcher fires when a pending instruction's
``next_attempt_at`` passes. Invariants enforced here:

- no database transaction is open during an HTTP call: due rows are claimed in one short
  transaction (``FOR UPDATE SKIP LOCKED``, ``next_attempt_at`` pushed past the send's
  timeout so another replica or tick leaves them alone), committed, sent, and each
  outcome is recorded in its own transaction;
- every attempt carries the same body and the webhook id ``instruction_id``, signed with
  the store's secret (Standard Webhooks), so the store can de-duplicate re-sends;
- 2xx → ``delivered`` (awaiting the cashier); until the store confirms, the instruction is
  re-sent every ``resend_unconfirmed_seconds`` [choice: hourly] as a reminder (CONTRACT:
  "retried with back-off until the store confirms"); a network error, timeout
  or any other status → ``attempts`` + 1, ``last_error`` and the next attempt after
  ``retry_delay`` (1 s, 2 s, 4 s, … ≤ 5 minutes by default, ``AFTERSALES_POS_*``);
- a store missing from the stores file or without ``instructions_url`` leaves the
  instruction ``pending`` with ``last_error`` saying so, looked at again after the cap
  (it is not an attempt: nothing was sent);
- the webhook timestamp is the wall clock, not the service clock: it is a freshness token
  the store checks against its own clock.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.db import Database
from shared.stores import Store, load_stores
from shared.webhooks import sign

from ..domain import pos as rules
from ..domain.pos import InstructionStatus as Status
from ..models import PosInstruction

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("aftersales.billing.pos")

LEASE_MARGIN_SECONDS = 30.0
_UNCONFIRMED = (Status.PENDING.value, Status.DELIVERED.value)


class PosDelivery(BaseSettings):
    """How instructions are sent (env ``AFTERSALES_POS_RETRY_BASE_SECONDS`` etc.)."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_POS_", extra="ignore",
                                      frozen=True)

    retry_base_seconds: float = rules.DEFAULT_RETRY_BASE_SECONDS
    retry_cap_seconds: float = rules.DEFAULT_RETRY_CAP_SECONDS
    timeout_seconds: float = 10.0
    batch_size: int = 50
    resend_unconfirmed_seconds: float = 3600.0

    @model_validator(mode="after")
    def _sane(self) -> PosDelivery:
        if not 0 < self.retry_base_seconds <= self.retry_cap_seconds:
            raise ValueError("need 0 < retry_base_seconds <= retry_cap_seconds")
        if self.timeout_seconds <= 0 or self.batch_size < 1 or (
                self.resend_unconfirmed_seconds <= 0):
            raise ValueError("timeout_seconds and batch_size must be positive")
        return self


@dataclass(frozen=True, slots=True)
class _Send:
    instruction_id: str
    url: str
    secret: str
    body: bytes


def payload(ctx: Context, row: PosInstruction, store: Store) -> dict[str, Any]:
    """The instruction as the store receives it (CONTRACT "POS", tests/pos_simulator.py)."""
    branch = ctx.branches.get(row.branch or store.branch)
    return {
        "instruction_id": row.instruction_id, "store_id": row.store_id, "type": row.type,
        "case_no": row.case_no, "amount": str(row.amount),
        "currency": branch.currency if branch else "CNY", "quantity": row.quantity,
        "customer": row.customer, "order_no": row.order_no, "part_no": row.part_no,
        "issued_at": row.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "confirm_with": rules.confirming_kind(row.type),
    }


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest send or reminder due (the watcher's ``next_due``)."""
    return await session.scalar(select(func.min(PosInstruction.next_attempt_at)).where(
        PosInstruction.status.in_(_UNCONFIRMED)))


async def deliver_due(ctx: Context, db: Database, config: PosDelivery, now: datetime) -> int:
    """Send every instruction due at ``now``, then record each outcome (SPEC §7).

    It takes the database (``db``) besides the context because it opens its own short
    units of work around the HTTP calls: none is held open while a store answers.
    """
    sends = await _claim(ctx, db, config, now)
    if not sends:
        return 0
    import httpx  # loaded at the first delivery, not in every idle billing process

    async with httpx.AsyncClient(timeout=config.timeout_seconds) as client:
        errors = await asyncio.gather(*(_post(client, s) for s in sends))
    for send, error in zip(sends, errors, strict=True):
        await _record_outcome(ctx, db, config, send, error)
    return len(sends)


async def _claim(ctx: Context, db: Database, config: PosDelivery, now: datetime
                 ) -> list[_Send]:
    query = (
        select(PosInstruction)
        .where(PosInstruction.status.in_(_UNCONFIRMED),
               PosInstruction.next_attempt_at <= now)
        .order_by(PosInstruction.next_attempt_at, PosInstruction.instruction_id)
        .limit(config.batch_size)
    )
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    stores = load_stores(ctx.settings.stores_file)
    sends: list[_Send] = []
    async with db.transaction() as session:
        for row in await session.scalars(query):
            store = stores.get(row.store_id)
            if store is None or not store.instructions_url:
                row.last_error = (f"store {row.store_id} is not configured" if store is None
                                  else f"store {row.store_id} has no instructions_url")
                row.next_attempt_at = now + timedelta(seconds=config.retry_cap_seconds)
                continue
            row.next_attempt_at = now + timedelta(
                seconds=config.timeout_seconds + LEASE_MARGIN_SECONDS)
            body = json.dumps(payload(ctx, row, store), separators=(",", ":")).encode()
            sends.append(_Send(instruction_id=row.instruction_id, url=store.instructions_url,
                               secret=store.secret, body=body))
    return sends


async def _post(client: httpx.AsyncClient, send: _Send) -> str | None:
    """POST one signed instruction; None on 2xx, else what went wrong."""
    headers = sign(send.secret, msg_id=send.instruction_id, body=send.body,
                   at=datetime.now(UTC))
    headers["content-type"] = "application/json"
    try:
        response = await client.post(send.url, content=send.body, headers=headers)
    except Exception as exc:  # network, timeout, bad URL: all are a failed attempt
        return f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:200]}"[:500]


async def _record_outcome(
    ctx: Context, db: Database, config: PosDelivery, send: _Send, error: str | None
) -> None:
    async with db.transaction() as session:
        row = await session.get(PosInstruction, send.instruction_id, with_for_update=True)
        if row is None:
            return
        now = ctx.now()
        row.attempts += 1
        row.last_attempt_at = now
        if error is None:
            row.delivered_at = row.delivered_at or now
            row.last_error = None
            if row.status in _UNCONFIRMED:  # remind until the cashier's confirmation
                row.status = Status.DELIVERED.value
                row.next_attempt_at = now + timedelta(seconds=config.resend_unconfirmed_seconds)
            await ctx.audit.record(
                session, actor=Actor.system("billing"),
                action="pos_instruction.delivered", subject_type="pos_instruction",
                subject_id=row.instruction_id,
                detail={"store_id": row.store_id, "attempts": row.attempts})
            return
        if row.status not in _UNCONFIRMED:
            return  # a confirmation overtook the send: nothing left to deliver
        row.last_error = error
        delay = rules.retry_delay(row.attempts, base=config.retry_base_seconds,
                                  cap=config.retry_cap_seconds)
        row.next_attempt_at = now + timedelta(seconds=delay)
        log.warning("POS instruction %s to store %s failed (attempt %d): %s",
                    row.instruction_id, row.store_id, row.attempts, error)
