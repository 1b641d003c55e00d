"""Refund and allowance instructions to a store's POS, end to end (SPEC §7, R2, C13).

Billing runs in process on the wall clock with a fast back-off; the store is the reference
POS receiver (``tests.pos_simulator``) served on a local port, which verifies every
signature. Input events are published onto the namespace's stream as complaints and
intake would publish them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi import Request, Response

from services.billing.app import create_app
from services.billing.domain.pos import retry_delay
from services.billing.service.pos_delivery import PosDelivery, next_due
from shared.clock import SystemClock
from shared.events.billing import ReturnBooked
from shared.events.complaints import ComplaintCopyIssued
from shared.events.intake import PosInstructionExecuted
from tests.helpers import eventually, running, token
from tests.pos_simulator import PosSimulator, serve_receiver
from tools.launcher import free_port

from ..support import Billing

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")
STORE = "ST07"  # has an instructions_url (the test's receiver)
OFFLINE = "ST09"  # has none
SECRET = "whsec_dGVzdC1zdG9yZS1zZWNyZXQtU1QwNy0wMDAwMDAwMDA="
BACKOFF = PosDelivery(retry_base_seconds=0.2, retry_cap_seconds=1.0, timeout_seconds=2.0,
                      resend_unconfirmed_seconds=3.0)


@dataclass
class Retail:
    """Billing with a stores file naming the test's store, and that store's port."""

    billing: Billing
    port: int

    async def instruction(self, instruction_id: str) -> dict[str, Any] | None:
        r = await self.billing.client.get(f"/pos/instructions/{instruction_id}",
                                          headers=ACCOUNTANT)
        return r.json() if r.status_code == 200 else None

    async def instruction_when(self, instruction_id: str, **expected: Any) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            found = await self.instruction(instruction_id)
            ok = found and all(found[k] == v for k, v in expected.items())
            return found if ok else None
        return await eventually(probe)

    async def get(self, url: str, headers: dict[str, str] = ACCOUNTANT) -> Any:
        r = await self.billing.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
async def retail(ns: Any, tmp_path: Path) -> AsyncIterator[Retail]:
    port = free_port()
    stores = tmp_path / "stores.json"
    stores.write_text(json.dumps({
        STORE: {"name": "Test store", "branch": "SC01", "secret": SECRET,
                "instructions_url": f"http://127.0.0.1:{port}/instructions"},
        OFFLINE: {"name": "Store without POS link", "branch": "SC01", "secret": SECRET,
                  "instructions_url": None},
    }))
    app = create_app(ns.settings("billing", stores_file=stores), clock=SystemClock(),
                     pos_delivery=BACKOFF)
    async with running(app) as client:
        nc = await nats.connect(ns.infra.nats_url)
        try:
            yield Retail(Billing(app=app, client=client, clock=SystemClock(),  # type: ignore[arg-type]
                                 nc=nc, prefix=ns.tag, stream=ns.tag.upper()), port)
        finally:
            await nc.close()


@dataclass
class FlakyStore(PosSimulator):
    """The reference receiver behind a till that answers 503 ``failures`` times first,
    noting the webhook id of every request it gets."""

    failures: int = 0
    seen: list[str] = field(default_factory=list)

    def receiver(self) -> Any:
        app = super().receiver()

        @app.middleware("http")
        async def flaky(request: Request, call_next: Any) -> Response:
            self.seen.append(request.headers.get("webhook-id", ""))
            if self.failures > 0:
                self.failures -= 1
                return Response("till offline", status_code=503)
            return await call_next(request)

        return app


@asynccontextmanager
async def store_receiver(port: int, *, secret: str = SECRET,
                         failures: int = 0) -> AsyncIterator[FlakyStore]:
    """The store's instruction endpoint on ``port``; the cashier does not execute."""
    sim = FlakyStore(store_id=STORE, secret=secret, intake_url="http://127.0.0.1:9",
                     auto_execute=False, failures=failures)
    server, task = await serve_receiver(sim, port)
    try:
        yield sim
    finally:
        server.should_exit = True
        await task
        await sim.client.aclose()


def retail_copy(case_no: str, *, handling: str = "return", amount: str | None = "300.00",
                quantity: int | None = 1, store_id: str | None = STORE) -> ComplaintCopyIssued:
    """The accounting copy of a closed retail complaint (what complaints publishes, R2)."""
    return ComplaintCopyIssued(
        case_no=case_no, recipient="accounting", profile="retail", market="domestic",
        classification="quality", customer="Ms Lin", order_no="SLIP-88", part_no="TV-65X",
        handling=handling, amount=amount, quantity=quantity if handling == "return" else None,
        responsible_unit="counter", store_id=store_id, branch="SC01",
        closed_at=datetime.now(UTC),
    )


def executed(instruction_id: str, *, amount: str = "300.00", kind: str = "return_executed",
             store_id: str = STORE, transaction_id: str | None = None) -> PosInstructionExecuted:
    """What intake publishes once the store's POS confirmed the cashier's execution."""
    return PosInstructionExecuted(
        store_id=store_id, transaction_id=transaction_id or f"EXEC-{instruction_id}",
        instruction_id=instruction_id, kind=kind, amount=amount,
        executed_at=datetime.now(UTC),
    )


async def test_pos_refund_instruction_delivered_signed_to_store(retail: Retail) -> None:
    async with store_receiver(retail.port) as store:
        await retail.billing.publish(retail_copy("R260401"))
        [received] = await eventually(lambda: _async(store.instructions))
        assert store.seen == ["PI-R260401"]  # the webhook id is the instruction id
        assert {k: received[k] for k in ("instruction_id", "store_id", "type", "case_no",
                                         "amount", "quantity", "currency")} == {
            "instruction_id": "PI-R260401", "store_id": STORE, "type": "refund",
            "case_no": "R260401", "amount": "300.00", "quantity": 1, "currency": "CNY"}
        row = await retail.instruction_when("PI-R260401", status="delivered")
        assert (row["attempts"], row["last_error"]) == (1, None)
        assert row["delivered_at"] is not None and row["confirmed_at"] is None
        # Until the cashier confirms, a reminder re-send is planned (CONTRACT "POS").
        assert _at(row["next_attempt_at"]) - _at(row["last_attempt_at"]) == timedelta(
            seconds=BACKOFF.resend_unconfirmed_seconds)
    # R2: the store's POS executes it; no return slip waits for the warehouse.
    assert await retail.get("/return-slips?case_no=R260401") == []
    listed = await retail.get(f"/pos/instructions?store_id={STORE}&status=delivered")
    assert [x["instruction_id"] for x in listed] == ["PI-R260401"]
    assert await retail.get(f"/pos/instructions?store_id={STORE}&status=pending") == []
    r = await retail.billing.client.get("/pos/instructions", headers=token("clerk", "C01"))
    assert r.status_code == 403
    assert (await retail.billing.client.get("/pos/instructions",
                                            headers=token("admin"))).status_code == 200


async def test_pos_instruction_signed_with_another_secret_refused_and_kept_pending(
        retail: Retail) -> None:
    async with store_receiver(retail.port,
                              secret="whsec_b3RoZXItc2VjcmV0LW9mLWFub3RoZXItc3RvcmU=") as store:
        await retail.billing.publish(retail_copy("R260402"))
        row = await eventually(lambda: _attempted(retail, "PI-R260402", at_least=2))
        assert row["status"] == "pending" and row["last_error"].startswith("HTTP 401")
        assert store.instructions == [] and len(store.seen) >= 2


async def test_pos_refund_instruction_retried_until_delivered(retail: Retail) -> None:
    await retail.billing.publish(retail_copy("R260403"))
    # The store's till is not listening yet: each attempt fails, with growing back-off.
    row = await eventually(lambda: _attempted(retail, "PI-R260403", at_least=2))
    assert row["status"] == "pending" and row["delivered_at"] is None
    assert "ConnectError" in row["last_error"]
    wait = _at(row["next_attempt_at"]) - _at(row["last_attempt_at"])
    assert wait == timedelta(seconds=retry_delay(row["attempts"], base=0.2, cap=1.0))
    # Then it answers 503 once, and takes the re-send after that.
    async with store_receiver(retail.port, failures=1) as store:
        row = await retail.instruction_when("PI-R260403", status="delivered")
        assert store.seen == ["PI-R260403", "PI-R260403"]  # one refused, one taken
        assert [i["instruction_id"] for i in store.instructions] == ["PI-R260403"]
    assert row["attempts"] >= 4 and row["last_error"] is None


async def test_pos_unconfirmed_instruction_resent_until_the_store_confirms(
        retail: Retail) -> None:
    async with store_receiver(retail.port) as store:
        await retail.billing.publish(retail_copy("R260409"))
        await retail.instruction_when("PI-R260409", status="delivered")

        async def reminded() -> bool:
            return len(store.seen) >= 2

        await eventually(reminded, within=20)
        assert set(store.seen) == {"PI-R260409"}  # the same webhook id: the store de-duplicates
        assert [i["instruction_id"] for i in store.instructions] == ["PI-R260409"]
        await retail.billing.publish(executed("PI-R260409"))
        row = await retail.instruction_when("PI-R260409", status="confirmed")
    assert row["confirmed_at"] is not None
    async with retail.billing.rt.db.reading() as session:
        assert await next_due(session) is None  # nothing left to send or remind


async def test_pos_confirmation_books_refund_once(retail: Retail) -> None:
    async with store_receiver(retail.port):
        await retail.billing.publish(retail_copy("R260404"))
        await retail.instruction_when("PI-R260404", status="delivered")
    confirmation = executed("PI-R260404")
    await retail.billing.publish(confirmation)
    row = await retail.instruction_when("PI-R260404", status="confirmed")
    assert (row["executed_amount"], row["transaction_id"], row["held_for_review"]) == (
        "300.00", "EXEC-PI-R260404", False)
    [entry] = await retail.get("/journal?case_no=R260404")
    assert (entry["source_type"], entry["source_no"], entry["entry_id"]) == (
        "pos_instruction", "PI-R260404", row["journal_entry_id"])
    assert [(x["account"], x["debit"], x["credit"]) for x in entry["lines"]] == [
        ("sales_returns_and_allowances", "300.00", "0.00"),
        ("accounts_receivable", "0.00", "300.00")]
    booked = await eventually(lambda: retail.billing.last(ReturnBooked))
    assert (booked.case_no, booked.kind, booked.amount, booked.quantity, booked.document_no,
            booked.store_id, booked.journal_entry_id) == (
        "R260404", "return", "300.00", 1, "PI-R260404", STORE, entry["entry_id"])
    # The same confirmation again, re-published under a new event id too: nothing changes.
    await retail.billing.publish(confirmation)
    await retail.billing.publish(confirmation.model_copy(update={"event_id": uuid.uuid4().hex}))
    await eventually(lambda: retail.billing.drained("pos-executed"))
    assert await retail.get("/journal?case_no=R260404") == [entry]
    assert len(await retail.billing.all(ReturnBooked)) == 1
    assert await retail.instruction("PI-R260404") == row
    assert await retail.get("/pos/orphan-confirmations") == []


async def test_pos_allowance_booked_at_executed_amount_and_held_for_review(
        retail: Retail) -> None:
    await retail.billing.publish(retail_copy("R260405", handling="allowance", amount="200.00",
                                             store_id=OFFLINE))
    # A store with no instructions_url: pending, visible, saying why; nothing was sent.
    row = await eventually(lambda: _with_error(retail, "PI-R260405"))
    assert (row["status"], row["attempts"], row["type"], row["last_error"]) == (
        "pending", 0, "allowance", f"store {OFFLINE} has no instructions_url")
    assert row["next_attempt_at"] is not None  # looked at again after the cap
    # The cashier executed it from the slip anyway, for 180.00: the till is the proof.
    await retail.billing.publish(executed("PI-R260405", amount="180.00",
                                          kind="allowance_executed", store_id=OFFLINE))
    row = await retail.instruction_when("PI-R260405", status="confirmed")
    assert (row["executed_amount"], row["amount"], row["held_for_review"]) == (
        "180.00", "200.00", True)
    assert row["hold_reason"] == "executed 180.00, instructed 200.00"
    [entry] = await retail.get("/journal?case_no=R260405")
    assert entry["lines"][0]["debit"] == "180.00"
    booked = await eventually(lambda: retail.billing.last(ReturnBooked))
    assert (booked.kind, booked.amount, booked.store_id) == ("allowance", "180.00", OFFLINE)
    held = await retail.get("/pos/instructions?held=true")
    assert [x["instruction_id"] for x in held] == ["PI-R260405"]
    path = "/pos/instructions/PI-R260405/review"
    r = await retail.billing.client.post(path, json={"note": "customer agreed 180"},
                                         headers=token("admin"))
    assert r.status_code == 403
    r = await retail.billing.client.post(path, json={"note": "customer agreed 180"},
                                         headers=ACCOUNTANT)
    assert r.status_code == 200, r.text
    assert (r.json()["held_for_review"], r.json()["reviewed_by"]) == (False, "A01")
    r = await retail.billing.client.post(path, json={"note": "again"}, headers=ACCOUNTANT)
    assert r.status_code == 409
    assert await retail.get("/pos/instructions?held=true") == []
    # A wrong booking is corrected by its reversing entry; the instruction stands reversed.
    r = await retail.billing.client.post(f"/journal/{entry['entry_id']}/reverse",
                                         json={"reason": "keyed on the wrong slip"},
                                         headers=ACCOUNTANT)
    assert r.status_code == 201, r.text
    assert (await retail.instruction("PI-R260405"))["status"] == "reversed"


async def test_pos_confirmation_that_fits_no_instruction_kept_as_orphan(retail: Retail) -> None:
    await retail.billing.publish(retail_copy("R260406", store_id=OFFLINE))
    await eventually(lambda: _with_error(retail, "PI-R260406"))
    await retail.billing.publish(executed("PI-NOPE"))
    await retail.billing.publish(executed("PI-R260406", store_id=STORE))  # another store
    await retail.billing.publish(executed("PI-R260406", store_id=OFFLINE,
                                          kind="allowance_executed"))  # not a refund
    orphans = await eventually(lambda: _orphans(retail, 3))
    assert sorted(o["reason"] for o in orphans) == [
        "a refund is confirmed by return_executed",
        f"instruction belongs to store {OFFLINE}",
        "no such instruction"]
    row = await retail.instruction("PI-R260406")
    assert (row["status"], row["journal_entry_id"]) == ("pending", None)
    # Confirmed by its own store; a second, different POS transaction is kept aside.
    await retail.billing.publish(executed("PI-R260406", store_id=OFFLINE))
    await retail.instruction_when("PI-R260406", status="confirmed")
    await retail.billing.publish(executed("PI-R260406", store_id=OFFLINE,
                                          transaction_id="EXEC-AGAIN"))
    [again, *_] = await eventually(lambda: _orphans(retail, 4))
    assert again["reason"] == "already confirmed by transaction EXEC-PI-R260406"
    assert len(await retail.get("/journal?case_no=R260406")) == 1
    assert await retail.get("/admin/dead-letters", headers=token("admin")) == []


async def test_r2_retail_copy_without_store_or_amount_keeps_paper_flow(billing) -> None:
    await billing.publish(retail_copy("R260407", store_id=None))
    await billing.publish(retail_copy("R260408", amount=None, store_id="ST01"))
    await billing.publish(retail_copy("R260409", handling="compensation", store_id="ST01"))
    await billing.publish(retail_copy("R260410", handling="allowance", store_id="ST01"))
    await eventually(lambda: billing.drained("complaint-copy"))
    slips = (await billing.client.get("/return-slips", headers=ACCOUNTANT)).json()
    assert sorted(s["case_no"] for s in slips) == ["R260407", "R260408"]
    assert (await billing.client.get("/allowances", headers=ACCOUNTANT)).json() == []
    instructions = (await billing.client.get("/pos/instructions", headers=ACCOUNTANT)).json()
    assert [(i["instruction_id"], i["type"], i["status"]) for i in instructions] == [
        ("PI-R260410", "allowance", "pending")]


async def _async(value: Any) -> Any:
    return value


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _attempted(retail: Retail, instruction_id: str, *, at_least: int) -> Any:
    row = await retail.instruction(instruction_id)
    return row if row and row["attempts"] >= at_least and row["status"] == "pending" else None


async def _with_error(retail: Retail, instruction_id: str) -> Any:
    row = await retail.instruction(instruction_id)
    return row if row and row["last_error"] else None


async def _orphans(retail: Retail, count: int) -> Any:
    found = await retail.get("/pos/orphan-confirmations")
    return found if len(found) >= count else None
