"""One winner under concurrency, on SQLite and on PostgreSQL (issue 11): the same
request sent 20 times at once leaves one effect, one audit entry and one event."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from services.intake.app import create_app as intake_app
from services.intake.models import Customer, plumbing
from shared.clock import FixedClock
from shared.events.dispatch import VoucherCompleted
from tests.helpers import eventually, running
from tests.infra import ENGINES
from tests.intake.support import CLERK, at, customer_with_product, inject

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")
TIMES = 20


async def _count(app, table, **where) -> int:
    async with app.state.runtime.db.reading() as session:
        query = select(func.count()).select_from(table)
        for column, value in where.items():
            query = query.where(table.c[column] == value)
        return await session.scalar(query)


@pytest.mark.parametrize("engine", ENGINES)
async def test_same_phone_at_once_opens_one_file_and_answers_it_to_everyone(ns, engine) -> None:
    app = intake_app(ns.on_engine("intake", engine))
    async with running(app) as intake:
        forms = ["+8613452928970", "13452928970", "134 5292 8970", "+86 134-5292-8970"]
        answers = await asyncio.gather(*(
            intake.post("/customers", headers=CLERK, json={
                "name": f"Wu {i}", "phone": forms[i % len(forms)], "address": "88 Huaihai Rd",
                "district": "Huangpu", "branch": "SC01"})
            for i in range(TIMES)))
        statuses = sorted(r.status_code for r in answers)
        assert statuses == [200] * (TIMES - 1) + [201], [r.text for r in answers]
        assert len({r.json()["id"] for r in answers}) == 1
        assert {r.json()["phone"] for r in answers} == {"+8613452928970"}
        assert await _count(app, Customer.__table__) == 1
        assert await _count(app, plumbing.audit_log, action="customer.created") == 1


@pytest.mark.parametrize("engine", ENGINES)
async def test_cancel_and_file_sent_20_times_at_once_take_effect_once(ns, engine) -> None:
    app = intake_app(ns.on_engine("intake", engine), clock=FixedClock(NOW))
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake)
        calls = []
        for _ in range(2):
            r = await intake.post("/calls", headers=CLERK, json={
                "customer_id": customer_id, "product_id": product_id, "symptom": "x"})
            calls.append(r.json())
        cancelled, filed = calls

        answers = await asyncio.gather(*(
            intake.post(f"/calls/{cancelled['id']}/cancel", json={"reason": f"r{i}"},
                        headers=CLERK) for i in range(TIMES)))
        assert sorted(r.status_code for r in answers) == [200] + [409] * (TIMES - 1)
        assert await _count(app, plumbing.audit_log, action="call.cancelled") == 1
        assert await _count(app, plumbing.outbox, event_type="intake.call.cancelled.v1") == 1

        await inject(app, VoucherCompleted(
            voucher_no=filed["voucher_no"], call_id=filed["id"], branch="SC01",
            category=filed["category"], technician_id="T01", service_mode="on_site",
            labour_minutes=30, parts=[], signed_by="Wu Mei", completed_at=NOW))

        async def completed() -> bool:
            r = await intake.get(f"/calls/{filed['id']}", headers=CLERK)
            return r.json()["status"] == "completed"

        await eventually(completed)
        answers = await asyncio.gather(*(
            intake.post(f"/calls/{filed['id']}/file", headers=CLERK) for _ in range(TIMES)))
        assert sorted(r.status_code for r in answers) == [200] + [409] * (TIMES - 1)
        assert await _count(app, plumbing.audit_log, action="call.filed") == 1
        assert await _count(app, plumbing.outbox, event_type="intake.call.filed.v1") == 1
