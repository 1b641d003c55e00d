"""A POSLog document from a store (issue 15, SPEC §7): authenticated as a whole, answered
per transaction.

Invariants:
- The signature (over the raw bytes, whatever the declared encoding) is checked before
  the body is read; the document is refused as a whole only when it is unsigned, from no
  configured store, or not POSLog at all (kept in ``pos_rejects`` like a JSON refusal).
- Every transaction gets an answer: ``registered`` (applied now), ``replay`` (applied by
  an earlier delivery: its first answer, nothing changed), ``skipped`` (a control record,
  no appliance line, not a live sale: with the reason) or ``refused`` (an invalid field
  or another store's: nothing applied, the refusal kept). Lines not registered are listed
  under the transaction with why.
- Each transaction is its own unit of work keyed ``(store, transaction)``, so however
  often a document is resent each sale is applied once (``pos.apply_once``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from shared.auth import Actor
from shared.context import Context
from shared.rules import RuleBroken
from shared.stores import Store

from ..domain.pos import PosLogEntry, poslog_transactions
from .pos import PosAnswer, Refused, UnitOfWork, apply_once, checked, keep_reject, signed_store


async def receive_poslog(
    ctx: Context, transaction: UnitOfWork, *, actor: Actor, body: bytes,
    headers: Mapping[str, str],
) -> PosAnswer:
    """Authenticate a POSLog document and answer each of its transactions."""
    try:
        store = signed_store(ctx, actor=actor, body=body, headers=headers)
        entries = _read(ctx, store, body)
    except Refused as refused:
        async with transaction() as session:
            await keep_reject(ctx, session, refused, body=body, headers=headers)
        return PosAnswer(refused.status_code, refused.body())
    answers = [await _answer(ctx, transaction, store, entry, body=body, headers=headers)
               for entry in entries]
    counts = Counter(a["status"] for a in answers)
    status = 201 if counts["registered"] else 200
    return PosAnswer(status, answers, summary=dict(counts))


def _read(ctx: Context, store: Store, body: bytes) -> list[PosLogEntry]:
    zone = ZoneInfo(store.timezone) if store.timezone else ctx.branch(store.branch).zone
    try:
        return poslog_transactions(body, zone=zone,
                                   appliance_categories=store.appliance_categories)
    except RuleBroken as exc:
        raise Refused(422, exc.message, field=exc.field, rule=exc.rule,
                      store_id=store.store_id) from exc


async def _answer(ctx: Context, transaction: UnitOfWork, store: Store, entry: PosLogEntry,
                  *, body: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
    head: dict[str, Any] = {"index": entry.index, "store_id": entry.store_id or store.store_id,
                            "transaction_id": entry.transaction_id}
    if entry.message is None:
        return {**head, "status": "skipped", "reason": entry.skipped, "lines": entry.lines}
    raw = {**entry.message, "store_id": entry.store_id or store.store_id}
    try:
        answer = await apply_once(ctx, transaction, store, checked(ctx, store, raw))
    except Refused as refused:
        async with transaction() as session:
            await keep_reject(ctx, session, refused, body=body, headers=headers)
        return {**head, "status": "refused", "status_code": refused.status_code,
                **refused.body(), "lines": entry.lines}
    return {**answer.body, **head, "status": "replay" if answer.replayed else "registered",
            "lines": entry.lines}
