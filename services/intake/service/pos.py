"""POS messages: authenticated per store, applied once, refused whole (SPEC §7); a
POSLog document is answered per transaction (``pos_log``).

Invariants:
- Nothing is parsed before it is authenticated: the ``pos`` token's subject must be a
  configured store (403), the body must carry that store's Standard Webhooks signature
  (401), and only then is it read as JSON or POSLog; the message's ``store_id`` must be
  the token's store (403).
- A message is applied in one transaction together with its ``pos_transactions`` row,
  keyed ``(store_id, transaction_id)``; a replay, or a concurrent duplicate that loses
  the race on that key, gets the first answer back and changes nothing.
- A refused message (unsigned, badly signed, stale, malformed, invalid field) changes
  nothing and is kept in ``pos_rejects`` with its headers, size, SHA-256 and only its
  first ``REJECT_BODY_BYTES``: refused junk costs a few kB, whatever its size.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.context import Context
from shared.events.intake import PosInstructionExecuted, PosSaleRegistered
from shared.fields import check_happened, check_happened_on
from shared.rules import Refusal, RuleBroken
from shared.stores import Store, load_stores
from shared.webhooks import SignatureRefused, verify

from ..models import PosReject, PosTransaction
from ..schemas import CustomerIn, PosExecution, PosSale, ProductIn, parse_pos_message
from .covers import sold_with_extended_warranty
from .customers import register_customer, register_product
from .pos_claims import walk_in_file

_SIGNATURE_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
REJECT_BODY_BYTES = 4096
_MAX_HEADERS, _MAX_HEADER_CHARS = 50, 512

UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass(frozen=True)
class PosAnswer:
    status_code: int
    body: Any
    replayed: bool = False
    summary: dict[str, int] | None = None  # a POSLog's count of answers per status


class Refused(Exception):
    def __init__(self, status_code: int, message: str, *, field: str | None,
                 rule: str | None = "§7", store_id: str | None = None,
                 transaction_id: object = None) -> None:
        super().__init__(message)
        self.status_code, self.message, self.field, self.rule = status_code, message, field, rule
        self.store_id = store_id
        self.transaction_id = _short(transaction_id)

    def body(self) -> dict[str, Any]:
        return {"detail": f"{self.field}: {self.message}" if self.field else self.message,
                "field": self.field, "rule": self.rule}


async def receive(
    ctx: Context, transaction: UnitOfWork, *, actor: Actor, body: bytes,
    headers: Mapping[str, str],
) -> PosAnswer:
    """Authenticate, validate and apply one JSON POS message; a POSLog document is
    answered per transaction by ``pos_log``.

    The message is its own unit of work from ``transaction`` (so is a kept refusal).
    """
    try:
        store, message = authenticate(ctx, actor=actor, body=body, headers=headers)
        return await apply_once(ctx, transaction, store, message)
    except Refused as refused:
        async with transaction() as session:
            await keep_reject(ctx, session, refused, body=body, headers=headers)
        return PosAnswer(refused.status_code, refused.body())


def authenticate(
    ctx: Context, *, actor: Actor, body: bytes, headers: Mapping[str, str]
) -> tuple[Store, PosSale | PosExecution]:
    """The token's store and its message: signature first, then parsing (SPEC §7)."""
    store = signed_store(ctx, actor=actor, body=body, headers=headers)
    return store, checked(ctx, store, _json(body))


def signed_store(ctx: Context, *, actor: Actor, body: bytes,
                 headers: Mapping[str, str]) -> Store:
    """The token's store, once the body carries its signature (SPEC §7)."""
    store = load_stores(ctx.settings.stores_file).get(actor.user_id)
    if store is None:
        raise Refused(403, f"token subject {actor.user_id!r} is not a configured store",
                      field="sub")
    if not actor.may_act_in(store.branch):
        raise Refused(403, f"store {store.store_id} belongs to {store.branch}, not "
                      f"{actor.branch}", field="branch", store_id=store.store_id)
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        verify(store.secret, body=body,
               headers={h: lowered[h] for h in _SIGNATURE_HEADERS if h in lowered})
    except SignatureRefused as exc:
        raise Refused(401, str(exc), field="webhook-signature",
                      store_id=store.store_id) from exc
    return store


def checked(ctx: Context, store: Store, raw: dict[str, Any]) -> PosSale | PosExecution:
    """One message of the store, validated; Refused (403, 422) naming the field."""
    if raw.get("store_id") != store.store_id:
        raise Refused(403, f"the token of store {store.store_id} cannot speak for "
                      f"{_short(raw.get('store_id'))!r}", field="store_id",
                      store_id=store.store_id, transaction_id=raw.get("transaction_id"))
    try:
        message = parse_pos_message(raw)
        check_happened(message.occurred_at, now=ctx.now(), field="occurred_at",
                       rule="§7", what="the transaction time")
    except RuleBroken as exc:
        raise Refused(422, exc.message, field=exc.field, rule=exc.rule,
                      store_id=store.store_id,
                      transaction_id=raw.get("transaction_id")) from exc
    return message


def _json(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise Refused(400, f"not valid JSON: {str(exc)[:200]}", field="body") from exc
    if not isinstance(raw, dict):
        raise Refused(400, "a POS message is a JSON object", field="body")
    return raw


async def apply_once(ctx: Context, transaction: UnitOfWork, store: Store,
                     message: PosSale | PosExecution) -> PosAnswer:
    # Two deliveries of one transaction may race: the loser's insert of the key fails,
    # its whole transaction rolls back, and the retry finds the winner's answer.
    for attempt in range(3):
        try:
            async with transaction() as session:
                key = (message.store_id, message.transaction_id)
                done = await session.get(PosTransaction, key)
                if done is not None:
                    return PosAnswer(done.status_code, done.response, replayed=True)
                response = await apply(ctx, session, store=store, message=message)
            return PosAnswer(201, response)
        except IntegrityError:
            if attempt == 2:
                raise
        except Refusal as exc:  # a rule of the file refused it: nothing was applied
            raise Refused(exc.status_code, exc.message, field=exc.field, rule=exc.rule,
                          store_id=store.store_id,
                          transaction_id=message.transaction_id) from exc
    raise AssertionError("unreachable")


async def apply(ctx: Context, session: AsyncSession, *, store: Store,
                message: PosSale | PosExecution) -> dict[str, Any]:
    """Apply one authenticated message and record it as done (its first answer)."""
    if isinstance(message, PosSale):
        response = await _sale(ctx, session, store=store, sale=message)
    else:
        response = await _executed(ctx, session, execution=message)
    session.add(PosTransaction(
        store_id=message.store_id, transaction_id=message.transaction_id,
        type=message.type, received_at=ctx.now(), status_code=201, response=response,
    ))
    await session.flush()
    return response


async def _sale(ctx: Context, session: AsyncSession, *, store: Store, sale: PosSale
                ) -> dict[str, Any]:
    """SPEC §7: register (or find) the customer and each appliance with its warranty."""
    actor = Actor(user_id=f"pos:{store.store_id}", role="pos", branch=store.branch)
    branch = ctx.branch(store.branch)
    c = sale.customer
    if c is None:  # issue 15: anonymous; the first caller giving a serial claims it
        customer = await walk_in_file(ctx, session, actor=actor, store=store)
    else:
        customer, _ = await register_customer(ctx, session, actor=actor, data=CustomerIn(
            name=c.name, phone=c.phone, address=c.address, district=c.district,
            branch=store.branch), phone_field="customer.phone")
    sold_on = check_happened_on(branch.local_date(sale.occurred_at),
                                today=branch.local_date(ctx.now()), field="occurred_at",
                                rule="§7", what="the sale date")
    products = []
    for item in sale.items:
        product = await register_product(ctx, session, actor=actor, data=ProductIn(
            customer_id=customer.id, model=item.model, serial=item.serial,
            purchased_on=sold_on, warranty_months=item.warranty_months, seller=store.store_id))
        if item.extended_warranty_years:  # SPEC S6: B from this moment, not from billing's
            await sold_with_extended_warranty(
                ctx, session, actor=actor, product=product,
                years=item.extended_warranty_years,
                source=f"pos:{store.store_id}:{sale.transaction_id}")
        await ctx.outbox.add(session, PosSaleRegistered(
            store_id=store.store_id, transaction_id=sale.transaction_id, branch=store.branch,
            customer_id=customer.id, product_id=product.id, model=product.model,
            serial=product.serial, price=f"{item.price:.2f}", sold_on=sold_on,
            warranty_ends_on=product.warranty_ends_on,
            extended_warranty_years=item.extended_warranty_years,
            # An anonymous sale's walk-in file is nobody's address: no contact then.
            **({} if c is None else {
                "customer_name": customer.name, "customer_email": customer.email,
                "customer_language": customer.language or ctx.branch(store.branch).language,
                "customer_address": customer.address}),
            correlation_id=f"{store.store_id}:{sale.transaction_id}",
        ))
        products.append({"product_id": product.id, "serial": product.serial,
                         "warranty_ends_on": product.warranty_ends_on.isoformat(),
                         "extended_warranty_years": item.extended_warranty_years})
    return {"store_id": store.store_id, "transaction_id": sale.transaction_id,
            "type": "sale", "customer_id": customer.id, "anonymous": c is None,
            "products": products}


async def _executed(ctx: Context, session: AsyncSession, *, execution: PosExecution
                    ) -> dict[str, Any]:
    """SPEC §7: the cashier's confirmation goes to billing, which books it."""
    await ctx.outbox.add(session, PosInstructionExecuted(
        store_id=execution.store_id, transaction_id=execution.transaction_id,
        instruction_id=execution.instruction_id, kind=execution.type,
        amount=f"{execution.amount:.2f}", executed_at=execution.occurred_at,
        correlation_id=execution.instruction_id,
    ))
    return {"store_id": execution.store_id, "transaction_id": execution.transaction_id,
            "type": execution.type, "instruction_id": execution.instruction_id,
            "status": "recorded"}


async def keep_reject(ctx: Context, session: AsyncSession, refused: Refused, *, body: bytes,
                      headers: Mapping[str, str]) -> PosReject:
    """Keep a refused message for inspection: headers, size, hash, the first 4 kB."""
    head = body[:REJECT_BODY_BYTES]
    kept = {
        _clean(k)[:_MAX_HEADER_CHARS]: _clean(v)[:_MAX_HEADER_CHARS]
        for k, v in list(headers.items())[:_MAX_HEADERS] if k.lower() != "authorization"
    }
    reject = PosReject(
        at=ctx.now(), store_id=refused.store_id, transaction_id=refused.transaction_id,
        status_code=refused.status_code, reason=_clean(refused.message)[:2000],
        field=_clean(refused.field)[:120] if refused.field else None, headers=kept,
        size=len(body), sha256=hashlib.sha256(body).hexdigest(),
        body=_clean(head.decode("utf-8", errors="replace")),
        truncated=len(body) > len(head),
    )
    session.add(reject)
    await session.flush()
    return reject


async def rejects(session: AsyncSession, *, store_id: str | None, before_id: int | None,
                  limit: int) -> list[PosReject]:
    """Refused messages, newest first, older than ``before_id``, at most ``limit``."""
    query = select(PosReject).order_by(PosReject.id.desc()).limit(limit)
    if store_id:
        query = query.where(PosReject.store_id == store_id)
    if before_id is not None:
        query = query.where(PosReject.id < before_id)
    return list(await session.scalars(query))


def _clean(text: str) -> str:
    """Text a database column takes: no NUL (PostgreSQL refuses it in text)."""
    return text.replace("\x00", "\\x00")


def _short(value: object) -> str | None:
    """An id from an unverified message, fit for a 64-character column."""
    return None if value is None else _clean(str(value))[:64]
