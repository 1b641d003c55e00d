"""CONTRACT "Lists" on complaints' JSON lists: ``limit`` (default 100, at most 1000) and a
``Link: rel="next"`` to follow; walking the links gives the unpaged list, in its order, with
no gap or repeat, and the last page has no link (issue 17).

Lists: the register (``GET /complaints``), ``/complaints/overdue``,
``/complaints/{case_no}/penalties`` and ``/abnormalities``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.complaints.app import create_app
from services.complaints.service import cases as case_service
from shared.clock import FixedClock
from tests.helpers import list_pages, running, token

from ..support import (
    GM_OFFICE,
    MFG,
    RND,
    SALES,
    SALES_MANAGER,
    file,
    step,
    walk_to_approval,
    watchers_by_hand,
)

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
COUNTER = token("counter", "K01")
SERVICE_DEPT = token("service_dept", "E-SD", None)
ACCOUNTANT = token("accountant", "A01")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOV)


@pytest.fixture
async def client(ns, clock):
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers_by_hand(app)
    async with running(app) as client:
        yield client


async def walk(client: httpx.AsyncClient, url: str, headers: dict[str, str],
               **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every row of a list, following ``Link: rel="next"`` to the end; and the pages read."""
    pages = await list_pages(client, url, headers=headers, params=params)
    return [row for page in pages for row in page], len(pages)


async def limits_refused(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                         **params: Any) -> None:
    for bad in (0, 1001):
        r = await client.get(url, params={**params, "limit": bad}, headers=headers)
        assert r.status_code == 422, (bad, r.text)


async def _retail(client: httpx.AsyncClient, n: int) -> str:
    r = await client.post("/complaints", headers=COUNTER, json={
        "profile": "retail", "market": "domestic", "classification": "quality",
        "customer": f"Wang {n}", "demand": "refund the TV", "quantity": 1,
        "defective_quantity": 1})
    assert r.status_code == 201, r.text
    return r.json()["case_no"]


async def _service(client: httpx.AsyncClient, n: int) -> str:
    r = await client.post("/complaints", headers=SERVICE_DEPT, json={
        "profile": "service", "market": "domestic", "classification": "service",
        "customer": f"Li {n}", "demand": "an apology", "branch": "SC01",
        "severity": "general"})
    assert r.status_code == 201, r.text
    return r.json()["case_no"]


async def test_register_pages_by_id_and_skips_cases_the_reader_may_not_see(
        client, monkeypatch) -> None:
    retail, service = [], []
    for n in range(5):  # interleaved: R S R S R S R S R, all in SC01
        retail.append(await _retail(client, n))
        if n < 4:
            service.append(await _service(client, n))
    everything = (await client.get("/complaints", headers=GM_OFFICE)).json()
    assert len(everything) == 9 and "link" not in (
        await client.get("/complaints", headers=GM_OFFICE)).headers
    for limit in (1, 2, 4, 9):
        rows, pages = await walk(client, "/complaints", GM_OFFICE, limit=limit)
        assert rows == everything, limit
        assert pages == -(-9 // limit)
    # The counter reads the retail cases only (service.cases.readable_by, in Python): pages
    # are still full, in order, with nothing skipped, also when read one row at a time.
    monkeypatch.setattr(case_service, "READ_BATCH", 1)
    rows, pages = await walk(client, "/complaints", COUNTER, limit=2)
    assert [r["case_no"] for r in rows] == retail and pages == 3
    rows, _ = await walk(client, "/complaints", SERVICE_DEPT, limit=3, profile="service")
    assert [r["case_no"] for r in rows] == service
    rows, _ = await walk(client, "/complaints", COUNTER, limit=5)
    assert [r["case_no"] for r in rows] == retail
    last = await client.get("/complaints", params={"limit": 2, "after_id": 2**31 - 1},
                            headers=GM_OFFICE)
    assert (last.status_code, last.json(), last.headers.get("link")) == (200, [], None)
    await limits_refused(client, "/complaints", GM_OFFICE)
    for bad in (-1, 2**31, "x"):
        r = await client.get("/complaints", params={"after_id": bad}, headers=GM_OFFICE)
        assert r.status_code == 422 and "after_id" in r.text, (bad, r.text)


async def test_overdue_pages_line_by_line_even_within_one_case(client, clock) -> None:
    made = []
    for n in range(3):
        made.append((await file(client, market="domestic", customer=f"Acme {n}"))["case_no"])
        await step(client, made[-1], "registration", GM_OFFICE)  # the case's clock runs
    clock.advance(timedelta(days=30))  # QA's step and the case's 13 days (C10) missed
    everything = (await client.get("/complaints/overdue", headers=GM_OFFICE)).json()
    assert [(o["case_no"], o["kind"]) for o in everything] == [
        (no, kind) for no in made for kind in ("step", "case")]
    for limit in (1, 2, 3, 5, 6, 7):
        rows, pages = await walk(client, "/complaints/overdue", GM_OFFICE, limit=limit)
        assert rows == everything, limit
        assert pages == -(-6 // limit)
    as_of = (NOV + timedelta(days=5)).isoformat()  # only the step deadlines missed then
    rows, _ = await walk(client, "/complaints/overdue", GM_OFFICE, limit=2, as_of=as_of)
    assert [(o["case_no"], o["kind"]) for o in rows] == [(no, "step") for no in made]
    first = await client.get("/complaints/overdue", params={"limit": 3}, headers=GM_OFFICE)
    assert first.headers["link"].endswith(f'after={made[1]}%3Astep>; rel="next"')

    await limits_refused(client, "/complaints/overdue", GM_OFFICE)
    for bad in ("abc", f"{made[0]}:other", made[0], f"{made[0]}:step\u0000"):
        r = await client.get("/complaints/overdue", params={"after": bad}, headers=GM_OFFICE)
        assert r.status_code == 422 and "after" in r.text, (bad, r.text)
    for who, after in ((GM_OFFICE, "999999:step"),  # no such case
                       (COUNTER, f"{made[0]}:step")):  # a case the counter may not read
        r = await client.get("/complaints/overdue", params={"after": after}, headers=who)
        assert (r.status_code, r.json()["field"]) == (422, "after"), r.text


async def _closed(client: httpx.AsyncClient) -> str:
    """A closed manufacturer case (as in test_complaints_penalties_api)."""
    case_no = (await file(client))["case_no"]
    await walk_to_approval(client, case_no, handling="return", amount="3000.00")
    await step(client, case_no, "approval", SALES_MANAGER, approved=True)
    await step(client, case_no, "execution", SALES)
    return case_no


async def test_case_penalties_page_by_decision_id(client) -> None:
    case_no = await _closed(client)
    other = await _closed(client)
    parties = [{"department": "sales", "unit": "export", "individual": f"E-S{n}",
                "ratio": "1"} for n in range(1, 6)]
    for no in (case_no, other):
        r = await client.post(f"/complaints/{no}/penalties/economic", headers=GM_OFFICE,
                              json={"loss": "1000.00", "parties": parties})
        assert r.status_code == 201, r.text
    url = f"/complaints/{case_no}/penalties"
    everything = (await client.get(url, headers=ACCOUNTANT)).json()
    assert len(everything) == 5 and {x["case_no"] for x in everything} == {case_no}
    assert [x["id"] for x in everything] == sorted(x["id"] for x in everything)
    for limit in (1, 2, 5):
        rows, pages = await walk(client, url, ACCOUNTANT, limit=limit)
        assert rows == everything, limit
        assert pages == -(-5 // limit)
    await limits_refused(client, url, ACCOUNTANT)
    assert (await client.get(url, params={"after_id": -1},
                             headers=ACCOUNTANT)).status_code == 422
    assert (await client.get(url, params={"limit": 2},
                             headers=token("technician", "T01"))).status_code == 403


async def test_abnormalities_page_newest_first(client) -> None:
    mine, theirs = [], []
    for n in range(7):
        unit = "rnd" if n in (2, 5) else "manufacturing"
        r = await client.post("/abnormalities", headers=SALES, json={
            "description": f"carton print smudged #{n}, no loss", "unit_role": unit})
        assert r.status_code == 201, r.text
        (theirs if unit == "rnd" else mine).append(r.json()["id"])
    everything = (await client.get("/abnormalities", headers=GM_OFFICE)).json()
    assert [s["id"] for s in everything] == sorted(mine + theirs, reverse=True)
    for limit in (1, 2, 3, 7):
        rows, pages = await walk(client, "/abnormalities", GM_OFFICE, limit=limit)
        assert rows == everything, limit
        assert pages == -(-7 // limit)
    rows, pages = await walk(client, "/abnormalities", MFG, limit=2)
    assert [s["id"] for s in rows] == mine[::-1] and pages == 3
    rows, _ = await walk(client, "/abnormalities", RND, limit=1, status="open")
    assert [s["id"] for s in rows] == theirs[::-1]
    await limits_refused(client, "/abnormalities", GM_OFFICE)
    for bad in (0, -1, 2**31):
        r = await client.get("/abnormalities", params={"after_id": bad}, headers=GM_OFFICE)
        assert r.status_code == 422 and "after_id" in r.text, (bad, r.text)
