"""One winner under concurrency, on SQLite and on PostgreSQL (issue 11): every dispatch
transition sent 20 times at once leaves exactly one effect, one audit entry and one
event; the other 19 requests are answered 409.

SQLite serialises writers with ``BEGIN IMMEDIATE`` (shared.db); on PostgreSQL each use
case loads the voucher / repair card / report day ``FOR UPDATE`` before checking it
(services/dispatch/service/common.py)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from datetime import timedelta
from itertools import pairwise

import httpx
import pytest

from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import (
    Assignment,
    PartLine,
    RepairCard,
    RepairWork,
    Signature,
    WorkLog,
)
from shared.clock import FixedClock
from tests.dispatch.support import (
    MANAGER,
    SUPERVISOR,
    T01,
    at,
    audit_actions,
    count,
    issue_voucher,
    on_site,
    outbox_types,
)
from tests.helpers import running
from tests.infra import ENGINES

pytestmark = [pytest.mark.integration, pytest.mark.parametrize("engine", ENGINES)]

NOON = at("2026-03-16T12:00:00+08:00")
TIMES = 20


async def _at_once(*, sends: list[Awaitable[httpx.Response]]) -> Counter[int]:
    """Send all at once; no answer may be a server error; count the statuses."""
    responses = await asyncio.gather(*sends)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses]
    return Counter(r.status_code for r in responses)


def _times(factory) -> list[Awaitable[httpx.Response]]:
    return [factory() for _ in range(TIMES)]


async def test_voucher_assign_arrive_complete_have_one_winner(ns, engine) -> None:
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        path = f"/vouchers/{no}"

        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"{path}/assign", json={"technician_id": "T01"}, headers=SUPERVISOR)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await count(app, Assignment, Assignment.voucher_no == no) == 1
        assert await audit_actions(app, no, "voucher.assigned") == 1
        assert await outbox_types(app, "dispatch.voucher.assigned.v1") == 1

        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"{path}/arrive", json={}, headers=T01)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await audit_actions(app, no, "voucher.arrived") == 1
        assert await outbox_types(app, "dispatch.voucher.arrived.v1") == 1

        done = {"labour_minutes": 30, "signed_by": "Wu Mei",
                "parts": [{"part_no": "PSU-1", "quantity": 1, "unit_price": "120.00"}]}
        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"{path}/complete", json=done, headers=T01)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await count(app, PartLine, PartLine.voucher_no == no) == 1
        assert await count(app, Signature, Signature.voucher_no == no) == 2
        assert await count(app, WorkLog, WorkLog.voucher_no == no) == 1
        assert await audit_actions(app, no, "voucher.completed") == 1
        assert await outbox_types(app, "dispatch.voucher.completed.v1") == 1
        # S15: the technician's day counts the 30-minute job once
        report = await dispatch.get("/reports/technician-daily", headers=T01,
                                    params={"technician_id": "T01", "date": "2026-03-16"})
        assert report.json()["total_minutes"] == 30


async def test_concurrent_reassignments_never_repeat_a_technician(ns, engine) -> None:
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        statuses = await _at_once(sends=[
            dispatch.post(f"/vouchers/{no}/assign", headers=SUPERVISOR,
                          json={"technician_id": "T01" if i % 2 else "T02"})
            for i in range(TIMES)])
        assert set(statuses) <= {200, 409} and statuses[200] >= 1
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        chain = [a["technician_id"] for a in paper["assignments"]]
        assert len(chain) == statuses[200]
        assert all(a != b for a, b in pairwise(chain)), chain  # no T01→T01
        assert [a["reassigned"] for a in paper["assignments"]] == [False] + [True] * (
            len(chain) - 1)
        assert await audit_actions(app, no, "voucher.assigned") == len(chain)
        assert await outbox_types(app, "dispatch.voucher.assigned.v1") == len(chain)


async def test_carry_in_and_repair_card_transitions_have_one_winner(ns, engine) -> None:
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1, category="C")
        await on_site(dispatch, no)
        carry = {"promised_on": "2026-03-18", "signed_by": "Zhou Lan"}
        responses = await asyncio.gather(*_times(lambda: dispatch.post(
            f"/vouchers/{no}/carry-in", json=carry, headers=T01)))
        assert Counter(r.status_code for r in responses) == {201: 1, 409: TIMES - 1}
        won = next(r.json() for r in responses if r.status_code == 201)
        card, receipt = won["repair_card_no"], won["pickup_receipt_no"]
        assert await count(app, RepairCard, RepairCard.voucher_no == no) == 1
        assert await count(app, Signature, Signature.voucher_no == no) == 2
        assert await audit_actions(app, no, "voucher.carried_in") == 1
        assert await outbox_types(app, "dispatch.carry_in.started.v1") == 1

        # Work adds up (each request is new labour): none is lost, and none lands after
        # the inspection that races it.
        path = f"/repair-cards/{card}"
        assert (await dispatch.post(f"{path}/work", json={"minutes": 10},
                                    headers=T01)).status_code == 200
        responses = await asyncio.gather(
            *_times(lambda: dispatch.post(f"{path}/work", json={"minutes": 10}, headers=T01)),
            dispatch.post(f"{path}/inspect", headers=SUPERVISOR))
        *works, inspection = responses
        assert inspection.status_code == 200, inspection.text
        logged = Counter(r.status_code for r in works)
        assert set(logged) <= {200, 409}
        assert await count(app, RepairWork, RepairWork.repair_card_no == card) == 1 + logged[200]
        assert await audit_actions(app, no, "repair_card.work") == 1 + logged[200]
        assert inspection.json()["labour_minutes"] == 10 * (1 + logged[200])

        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"{path}/inspect", headers=SUPERVISOR)))
        assert statuses == {409: TIMES}
        assert await audit_actions(app, no, "repair_card.inspected") == 1
        inspections = await count(app, Signature, Signature.document == "repair_card",
                                  Signature.document_no == card)
        assert inspections == 1

        back = {"signed_by": "Zhou Lan", "pickup_receipt_no": receipt}
        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"{path}/return", json=back, headers=T01)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await count(app, Signature, Signature.voucher_no == no,
                           Signature.purpose == "return") == 1
        assert await audit_actions(app, no, "voucher.returned") == 1
        assert await outbox_types(app, "dispatch.voucher.completed.v1") == 1


async def test_inspection_sent_twenty_times_at_once_has_one_winner(ns, engine) -> None:
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        await on_site(dispatch, no)
        r = await dispatch.post(f"/vouchers/{no}/carry-in", headers=T01,
                                json={"promised_on": "2026-03-18", "signed_by": "x"})
        card = r.json()["repair_card_no"]
        await dispatch.post(f"/repair-cards/{card}/work", json={"minutes": 10}, headers=T01)
        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            f"/repair-cards/{card}/inspect", headers=SUPERVISOR)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await audit_actions(app, no, "repair_card.inspected") == 1
        assert await count(app, Signature, Signature.document == "repair_card") == 1


async def test_report_sign_off_has_one_winner(ns, engine) -> None:
    clock = FixedClock(NOON)
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=clock)
    async with running(app) as dispatch:
        await dispatch.post("/technicians/T01/work-log", headers=T01, json={
            "date": "2026-03-16", "category": "D", "minutes": 30, "note": "tools"})
        clock.advance(timedelta(hours=8))
        sign = {"branch": "SC01", "date": "2026-03-16"}
        statuses = await _at_once(sends=_times(lambda: dispatch.post(
            "/reports/supervisor-daily/sign", json=sign, headers=MANAGER)))
        assert statuses == {200: 1, 409: TIMES - 1}
        assert await count(app, Signature, Signature.document == "supervisor_report") == 1
        assert await audit_actions(app, "SC01:2026-03-16", "supervisor_report.signed") == 1
        assert await outbox_types(app, "dispatch.supervisor_report.signed.v1") == 1
