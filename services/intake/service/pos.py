"""POS messages: authenticated per store, applied once, refused whole (SPEC §7).

Invariants:
- A message is applied in one transaction together with its ``pos_transactions`` row,
  keyed ``(store_id, transaction_id)``; a replay, or a concurrent duplicate that loses
  the race on that key, gets the first answer back and changes nothing.
- A refused message (malformed, unknown store, bad signature or stale timestamp, invalid
  field) changes nothing and is kept verbatim in ``pos_rejects`` for inspection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from shared.auth import Actor
from shared.events.intake import PosInstructionExecuted, PosSaleRegistered
from shared.rules import RuleBroken
from shared.runtime import Runtime
from shared.stores import Store, load_stores
from shared.webhooks import SignatureRefused, verify

from ..domain.pos import PosExecution, PosSale, parse_json_message, parse_poslog
from ..models import PosReject, PosTransaction
from ..schemas import CustomerIn, ProductIn
from .customers import register_customer, register_product

_SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass(frozen=True)
class PosAnswer:
    status_code: int
    body: Any
    replayed: bool = False


class Refused(Exception):
    def __init__(self, status_code: int, message: str, *, field: str | None,
                 rule: str | None = "§7", store_id: str | None = None,
                 transaction_id: str | None = None) -> None:
        super().__init__(message)
        self.status_code, self.message, self.field, self.rule = status_code, message, field, rule
        self.store_id, self.transaction_id = store_id, transaction_id

    def body(self) -> dict[str, Any]:
        return {"detail": f"{self.field}: {self.message}" if self.field else self.message,
                "field": self.field, "rule": self.rule}


async def receive(
    rt: Runtime, *, actor: Actor, body: bytes, headers: Mapping[str, str], poslog: bool = False
) -> PosAnswer:
    """Authenticate, validate and apply one POS delivery (JSON message or POSLog document)."""
    try:
        store, messages = _authenticate(rt, actor=actor, body=body, headers=headers,
                                        poslog=poslog)
    except Refused as refused:
        await _keep_reject(rt, refused, body=body, headers=headers)
        return PosAnswer(refused.status_code, refused.body())
    answers = [await _apply_once(rt, store, m) for m in messages]
    if not poslog:
        return answers[0]
    status = 201 if any(a.status_code == 201 and not a.replayed for a in answers) else 200
    return PosAnswer(status, [a.body for a in answers])


def _authenticate(
    rt: Runtime, *, actor: Actor, body: bytes, headers: Mapping[str, str], poslog: bool
) -> tuple[Store, list[PosSale | PosExecution]]:
    stores = load_stores(rt.settings.stores_file)
    if poslog:
        try:
            messages: list[PosSale | PosExecution] = list(parse_poslog(body))
        except RuleBroken as exc:
            raise Refused(422, exc.message, field=exc.field, rule=exc.rule) from exc
        store_ids = {m.store_id for m in messages}
        store_id = store_ids.pop() if len(store_ids) == 1 else None
        if store_id is None:
            raise Refused(422, "one POSLog document carries one store's transactions",
                          field="RetailStoreID")
        raw_txn = None
    else:
        try:
            raw = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Refused(400, f"not valid JSON: {exc}", field="body") from exc
        if not isinstance(raw, dict):
            raise Refused(400, "a POS message is a JSON object", field="body")
        store_id, raw_txn = raw.get("store_id"), raw.get("transaction_id")
        messages = []
    store = stores.get(str(store_id)) if store_id is not None else None
    if store is None:
        raise Refused(401, f"unknown store {store_id!r}", field="store_id",
                      transaction_id=raw_txn)
    if actor.user_id in stores and actor.user_id != store.store_id:
        raise Refused(403, f"token of store {actor.user_id} cannot speak for {store.store_id}",
                      field="store_id", store_id=store.store_id, transaction_id=raw_txn)
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        verify(store.secret, body=body,
               headers={h: lowered[h] for h in _SIGNATURE_HEADERS if h in lowered})
    except SignatureRefused as exc:
        raise Refused(401, str(exc), field="webhook-signature", store_id=store.store_id,
                      transaction_id=raw_txn) from exc
    if not poslog:
        try:
            messages = [parse_json_message(raw)]
        except RuleBroken as exc:
            raise Refused(422, exc.message, field=exc.field, rule=exc.rule,
                          store_id=store.store_id, transaction_id=raw_txn) from exc
    return store, messages


async def _apply_once(rt: Runtime, store: Store, message: PosSale | PosExecution) -> PosAnswer:
    # Two deliveries of one transaction may race: the loser's insert of the key fails,
    # its whole transaction rolls back, and the retry finds the winner's answer.
    for attempt in range(3):
        try:
            async with rt.db.transaction() as session:
                key = (message.store_id, message.transaction_id)
                done = await session.get(PosTransaction, key)
                if done is not None:
                    return PosAnswer(done.status_code, done.response, replayed=True)
                actor = Actor(user_id=f"pos:{store.store_id}", role="pos", branch=store.branch)
                if isinstance(message, PosSale):
                    response = await _sale(rt, session, actor=actor, store=store, sale=message)
                else:
                    response = await _executed(rt, session, execution=message)
                session.add(PosTransaction(
                    store_id=message.store_id, transaction_id=message.transaction_id,
                    type=message.type, received_at=rt.clock.now(), status_code=201,
                    response=response,
                ))
            return PosAnswer(201, response)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _sale(rt: Runtime, session: Any, *, actor: Actor, store: Store, sale: PosSale
                ) -> dict[str, Any]:
    """SPEC §7: register (or find) the customer and each appliance with its warranty."""
    c = sale.customer
    customer, _ = await register_customer(rt, session, actor=actor, data=CustomerIn(
        name=c.name, phone=c.phone, address=c.address, district=c.district, branch=store.branch))
    sold_on = sale.occurred_at.astimezone(ZoneInfo(rt.branch(store.branch).timezone)).date()
    products = []
    for item in sale.items:
        product = await register_product(rt, session, actor=actor, data=ProductIn(
            customer_id=customer.id, model=item.model, serial=item.serial,
            purchased_on=sold_on, warranty_months=item.warranty_months, seller=store.store_id))
        await rt.outbox.add(session, PosSaleRegistered(
            store_id=store.store_id, transaction_id=sale.transaction_id, branch=store.branch,
            customer_id=customer.id, product_id=product.id, model=product.model,
            serial=product.serial, price=str(item.price), sold_on=sold_on,
            warranty_ends_on=product.warranty_ends_on,
            extended_warranty_years=item.extended_warranty_years,
            correlation_id=f"{store.store_id}:{sale.transaction_id}",
        ))
        products.append({"product_id": product.id, "serial": product.serial,
                         "warranty_ends_on": product.warranty_ends_on.isoformat(),
                         "extended_warranty_years": item.extended_warranty_years})
    return {"store_id": store.store_id, "transaction_id": sale.transaction_id,
            "type": "sale", "customer_id": customer.id, "products": products}


async def _executed(rt: Runtime, session: Any, *, execution: PosExecution) -> dict[str, Any]:
    """SPEC §7: the cashier's confirmation goes to billing, which books it."""
    await rt.outbox.add(session, PosInstructionExecuted(
        store_id=execution.store_id, transaction_id=execution.transaction_id,
        instruction_id=execution.instruction_id, kind=execution.type,
        amount=f"{execution.amount:.2f}", executed_at=execution.occurred_at,
        correlation_id=execution.instruction_id,
    ))
    return {"store_id": execution.store_id, "transaction_id": execution.transaction_id,
            "type": execution.type, "instruction_id": execution.instruction_id,
            "status": "recorded"}


async def _keep_reject(rt: Runtime, refused: Refused, *, body: bytes,
                       headers: Mapping[str, str]) -> None:
    async with rt.db.transaction() as session:
        session.add(PosReject(
            at=rt.clock.now(), store_id=refused.store_id, transaction_id=refused.transaction_id,
            status_code=refused.status_code, reason=refused.message, field=refused.field,
            headers={k: v for k, v in headers.items() if k.lower() != "authorization"},
            body=body.decode("utf-8", errors="replace"),
        ))
