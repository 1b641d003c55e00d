"""The clerk's console in the browser's place (issue 12 item 4): every page needs a
session, registers through the same use cases as the JSON routes, shows category and
deadline with their reasons (S6, S19), cancels and files (S9), reconciles (S18), prints
the register as PDF, stays within the branch, and speaks three languages."""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import date
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from services.intake.app import create_app as intake_app
from services.intake.models import Reconciliation
from shared.clock import FixedClock
from shared.events.billing import CoverGranted
from shared.events.dispatch import VoucherCompleted
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.helpers import eventually, running, token
from tests.intake.support import CLERK, SUPERVISOR, at, customer_with_product, inject

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")  # a Monday, inside working hours
DAY = "2026-03-16"
OTHER_CLERK = token("clerk", "C21", "SC02")


def _app(ns):
    settings = ns.settings("intake", accounts_file=DEFAULT_FILE, cookie_secure=False)
    return intake_app(settings, clock=FixedClock(NOW))


async def _sign_in(client: httpx.AsyncClient, user: str = "C01") -> str:
    """Sign ``user`` in (the client keeps the session cookie); the session's CSRF token."""
    r = await client.post("/login", data={"user": user, "password": "demo", "next": "/"})
    assert r.status_code == 303, r.text
    cookie = r.cookies[COOKIE]
    session = client._transport.app.state.runtime.sessions.read(cookie)  # type: ignore[attr-defined]
    return session.csrf


async def _register_call(client: httpx.AsyncClient, customer_id: int, product_id: int,
                         headers: dict[str, str] = CLERK, **extra: str) -> dict:
    r = await client.post("/calls", json={"customer_id": customer_id, "product_id": product_id,
                                          "symptom": "no picture", **extra}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _calls_of(client: httpx.AsyncClient, day: str = DAY) -> list[dict]:
    r = await client.get("/calls", params={"date": day, "branch": "SC01"}, headers=CLERK)
    assert r.status_code == 200, r.text
    return r.json()


async def _pdftotext(path: Path) -> str:
    done = await asyncio.to_thread(subprocess.run, ["/usr/bin/pdftotext", str(path), "-"],
                                   check=True, capture_output=True, text=True)
    return done.stdout


async def test_every_page_renders_for_the_clerk_and_sends_strangers_to_login(ns) -> None:
    async with running(_app(ns)) as intake:
        customer_id, product_id = await customer_with_product(intake)
        call = await _register_call(intake, customer_id, product_id)
        pages = ["/", "/?q=Wu", "/customers/new", f"/customers/{customer_id}/file",
                 f"/calls/new?customer_id={customer_id}", f"/calls/{call['id']}/page",
                 "/register", f"/register?date={DAY}", "/reconciliation"]
        for page in pages:
            r = await intake.get(page)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), page
        await _sign_in(intake)
        for page in pages:
            r = await intake.get(page)
            assert r.status_code == 200 and "<html" in r.text, (page, r.status_code, r.text)
        # read-only roles see the register but get no clerk buttons; a technician, nothing
        register = await intake.get("/register", headers=token("supervisor", "S01"))
        assert register.status_code == 200 and call["voucher_no"] in register.text
        assert 'data-action="cancel-call"' not in register.text
        home = await intake.get("/", headers=token("counter", "K01"))
        assert home.status_code == 200 and "register-summary" not in home.text
        assert (await intake.get("/register", headers=token("technician", "T01"))).status_code \
            == 403
        assert (await intake.get("/calls/new", headers=CLERK)).status_code == 303


async def test_finding_a_customer_reads_the_phone_as_the_api_stores_it(ns) -> None:
    async with running(_app(ns)) as intake:
        customer_id, _ = await customer_with_product(intake, phone="13800000001")
        for query in ("138 0000 0001", "+86 138-0000-0001", "wu mei", "Mei"):
            r = await intake.get("/", params={"q": query}, headers=CLERK)
            assert f'data-customer="{customer_id}"' in r.text, query
        r = await intake.get("/", params={"q": "13900000009"}, headers=CLERK)
        assert "data-customer=" not in r.text and "phone=13900000009" in r.text
        bad = await intake.get("/", params={"q": "12345"}, headers=CLERK)
        assert bad.status_code == 200 and 'role="alert"' in bad.text


async def test_a_new_customer_and_products_through_the_forms(ns) -> None:
    async with running(_app(ns)) as intake:
        csrf = await _sign_in(intake)
        form = {"name": "Li Lei", "phone": "139 0000 0002", "address": "1 Jiading Rd",
                "district": "Jiading", "model": "WM-8", "serial": "SN-W1",
                "purchased_on": "2025-12-01", "warranty_months": "12", "seller": "Store 7"}
        refused = await intake.post("/customers/new", data=form)
        assert refused.status_code == 403  # no CSRF token
        r = await intake.post("/customers/new", data={**form, "csrf_token": csrf})
        assert r.status_code == 303, r.text
        match = re.fullmatch(r"/customers/(\d+)/file", r.headers["location"])
        assert match
        customer_id = int(match[1])
        page = await intake.get(r.headers["location"])
        assert "Li Lei" in page.text and "+8613900000002" in page.text and "SN-W1" in page.text
        assert 'data-category="C"' in page.text  # a call today would be free (S6)
        wrong = await intake.post(f"/customers/{customer_id}/products", data={
            "csrf_token": csrf, "model": "TV", "serial": "SN-T1", "purchased_on": "2030-01-01",
            "warranty_months": "12"})
        assert wrong.status_code == 422 and 'aria-invalid="true"' in wrong.text
        added = await intake.post(f"/customers/{customer_id}/products", data={
            "csrf_token": csrf, "model": "TV-55Q", "serial": "SN-T1",
            "purchased_on": "2020-01-01", "warranty_months": "12"})
        assert added.status_code == 303
        file = (await intake.get(f"/customers/{customer_id}", headers=CLERK)).json()
        assert [p["serial"] for p in file["products"]] == ["SN-W1", "SN-T1"]
        again = await intake.post("/customers/new",
                                  data={**form, "serial": "SN-W2", "csrf_token": csrf})
        assert again.headers["location"] == f"/customers/{customer_id}/file?notice=existing"
        bad = await intake.post("/customers/new",
                                data={**form, "phone": "12345", "csrf_token": csrf})
        assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text


async def test_registering_a_call_shows_category_and_deadline_with_why(ns) -> None:
    app = _app(ns)
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake, district="Huangpu",
                                                              purchased_on="2026-01-01")
        csrf = await _sign_in(intake)
        body = {"customer_id": str(customer_id), "product_id": str(product_id),
                "symptom": "no picture", "channel": "phone"}
        assert (await intake.post("/calls/new", data=body)).status_code == 403
        r = await intake.post("/calls/new", data={**body, "csrf_token": csrf})
        assert r.status_code == 303, r.text
        calls = await _calls_of(intake)
        assert len(calls) == 1
        call = calls[0]
        assert r.headers["location"] == f"/calls/{call['id']}/page?new=1"
        page = await intake.get(r.headers["location"], params={"lang": "zh-Hans"})
        text = page.text
        assert call["voucher_no"] in text and 'data-category="C"' in text and "免费" in text
        assert "在原厂保修期内" in text and "2026年12月31日" in text  # which cover decided
        assert "Huangpu 属市区" in text and "6 个工作小时" in text  # urban, 6 h (S19)
        # 10:00 + 6 working hours (lunch excluded) = 17:00, in the branch's time
        assert call["arrival_due_at"] == "2026-03-16T09:00:00Z"
        assert 'id="due">2026/3/16 17:00' in text
        en = await intake.get(r.headers["location"], headers=CLERK, params={"lang": "en"})
        assert "warranty, which ends on 31 Dec 2026" in en.text and "is urban" in en.text

        # suburban and out of warranty: A, 7 working hours; then a contract makes it B
        other, old = await customer_with_product(intake, phone="13800000003",
                                                 district="Qingpu", purchased_on="2020-01-01")
        r = await intake.post("/calls/new", data={
            "customer_id": str(other), "product_id": str(old), "symptom": "noise",
            "csrf_token": csrf})
        paid = await intake.get(r.headers["location"], headers=CLERK, params={"lang": "en"})
        assert 'data-category="A"' in paid.text and "No cover on the day" in paid.text
        assert "is suburban: 7 working hours" in paid.text
        await inject(app, CoverGranted(kind="contract", ref="MC-9", branch="SC01",
                                       customer_id=other, product_id=old,
                                       starts_on="2026-01-01", ends_on="2026-12-31"))

        async def covered() -> bool:
            file = (await intake.get(f"/customers/{other}", headers=CLERK)).json()
            return bool(file["products"][0]["covers"])

        await eventually(covered)
        r = await intake.post("/calls/new", data={
            "customer_id": str(other), "product_id": str(old), "symptom": "noise",
            "csrf_token": csrf})
        contract = await intake.get(r.headers["location"], headers=CLERK, params={"lang": "en"})
        assert 'data-category="B"' in contract.text and "maintenance contract MC-9" in contract.text
        blank = await intake.post("/calls/new", data={
            "customer_id": str(other), "product_id": str(old), "symptom": "",
            "csrf_token": csrf})
        assert blank.status_code == 422 and 'id="symptom-error"' in blank.text
        assert len(await _calls_of(intake)) == 3


async def test_cancel_and_file_through_the_register(ns) -> None:
    app = _app(ns)
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake)
        dropped = await _register_call(intake, customer_id, product_id)
        done = await _register_call(intake, customer_id, product_id)
        csrf = await _sign_in(intake)
        page = await intake.get("/register")
        for call in (dropped, done):
            assert f'data-voucher="{call["voucher_no"]}"' in page.text
        assert page.text.count('data-action="cancel-call"') == 2
        assert 'data-action="file-call"' not in page.text

        blank = await intake.post(f"/register/calls/{dropped['id']}/cancel",
                                  data={"reason": " ", "csrf_token": csrf},
                                  headers={"HX-Request": "true"})
        assert blank.status_code == 422 and "<tr" in blank.text and 'role="alert"' in blank.text
        r = await intake.post(f"/register/calls/{dropped['id']}/cancel",
                              data={"reason": "customer fixed it", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == f"/register?date={DAY}"
        body = (await intake.get(f"/calls/{dropped['id']}", headers=CLERK)).json()
        assert body["status"] == "cancelled" and body["cancel_reason"] == "customer fixed it"
        twice = await intake.post(f"/register/calls/{dropped['id']}/cancel",
                                  data={"reason": "again", "csrf_token": csrf})
        assert twice.status_code == 409 and "<html" in twice.text

        await inject(app, VoucherCompleted(
            voucher_no=done["voucher_no"], call_id=done["id"], branch="SC01",
            category=done["category"], technician_id="T01", service_mode="on_site",
            labour_minutes=30, parts=[], signed_by="Wu Mei", completed_at=NOW))

        async def completed() -> bool:
            r = await intake.get(f"/calls/{done['id']}", headers=CLERK)
            return r.json()["status"] == "completed"

        await eventually(completed)
        page = await intake.get("/register")
        assert page.text.count('data-action="file-call"') == 1
        row = await intake.post(f"/register/calls/{done['id']}/file",
                                headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert row.status_code == 200 and row.text.lstrip().startswith("<tr")
        assert f'data-call="{done["id"]}"' in row.text and 'data-action="file-call"' not in row.text
        assert (await intake.get(f"/calls/{done['id']}", headers=CLERK)).json()["filed"] is True
        again = await intake.post(f"/register/calls/{done['id']}/file",
                                  headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert again.status_code == 409 and "<tr" in again.text


async def test_the_morning_reconciliation_page_runs_it(ns) -> None:
    app = _app(ns)
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake)

        async def morning_run_done() -> int | None:
            async with app.state.runtime.db.reading() as session:
                return await session.scalar(select(Reconciliation.id).where(
                    Reconciliation.branch == "SC01", Reconciliation.day == date(2026, 3, 16)))

        await eventually(morning_run_done)  # the clock's own run at start-up, S18
        # Friday's paper call keyed on Monday (CT1: by the supervisor, with the reason)
        yesterday = await _register_call(intake, customer_id, product_id, headers=SUPERVISOR,
                                         received_at="2026-03-13T15:00:00+08:00",
                                         backdate_reason="paper call found in the tray")
        csrf = await _sign_in(intake)
        page = await intake.get("/reconciliation", params={"lang": "en"})
        assert f'data-voucher="{yesterday["voucher_no"]}"' in page.text
        # the clock's own run this morning came before this paper call was entered, yet
        # the call is priority from its registration (S18), not waiting for the next run
        assert 'data-flagged="0"' in page.text and 'data-action="reconcile"' in page.text
        assert "waiting for the run" not in page.text and 'class="priority"' in page.text
        r = await intake.post("/reconciliation/run", params={"branch": "SC01", "date": DAY},
                              data={"csrf_token": csrf})
        assert r.status_code == 303
        page = await intake.get(r.headers["location"], params={"lang": "en"})
        assert 'data-flagged="0"' in page.text and 'class="priority"' in page.text
        body = (await intake.get(f"/calls/{yesterday['id']}", headers=CLERK)).json()
        assert body["priority"] is True
        fragment = await intake.post("/reconciliation/run", params={"branch": "SC01", "date": DAY},
                                     headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert fragment.status_code == 200 and fragment.text.startswith('<div id="reconciliation">')
        other = await intake.post("/reconciliation/run", params={"branch": "SC01", "date": DAY},
                                  headers=OTHER_CLERK)
        assert other.status_code == 403


async def test_another_branch_sees_nothing_of_sc01(ns) -> None:
    async with running(_app(ns)) as intake:
        customer_id, product_id = await customer_with_product(intake)
        call = await _register_call(intake, customer_id, product_id, headers=SUPERVISOR,
                                    received_at="2026-03-13T15:00:00+08:00",
                                    backdate_reason="paper call found in the tray")
        today = await _register_call(intake, customer_id, product_id)
        numbers = (call["voucher_no"], today["voucher_no"])
        for path in (f"/customers/{customer_id}/file", f"/calls/{call['id']}/page",
                     f"/calls/new?customer_id={customer_id}", "/register?branch=SC01",
                     "/register/pdf?branch=SC01", "/reconciliation?branch=SC01",
                     "/?branch=SC01&q=Wu"):
            r = await intake.get(path, headers=OTHER_CLERK)
            assert r.status_code in (403, 404), (path, r.status_code)
            assert not any(n in r.text for n in numbers), path
        for path in ("/", "/?q=13800000001", "/?q=Wu", f"/register?date={DAY}",
                     "/register?date=2026-03-13", "/reconciliation", "/register/pdf"):
            r = await intake.get(path, headers=OTHER_CLERK)
            assert r.status_code == 200, (path, r.status_code)
            assert not any(n in r.text for n in numbers), path
            assert "data-customer=" not in r.text, path
        for path in (f"/register/calls/{today['id']}/cancel", f"/register/calls/{today['id']}/file",
                     f"/customers/{customer_id}/products"):
            r = await intake.post(path, data={"reason": "x"}, headers=OTHER_CLERK)
            assert r.status_code in (403, 404), (path, r.status_code)
        assert (await intake.get(f"/calls/{today['id']}", headers=CLERK)).json()["status"] \
            == "registered"


async def test_the_register_prints_as_a_pdf_with_chinese_labels(ns, tmp_path: Path) -> None:
    async with running(_app(ns)) as intake:
        customer_id, product_id = await customer_with_product(intake)
        call = await _register_call(intake, customer_id, product_id)
        assert (await intake.get("/register/pdf")).status_code == 303
        r = await intake.get("/register/pdf", params={"branch": "SC01", "date": DAY},
                             headers=CLERK)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        path = tmp_path / "register.pdf"
        path.write_bytes(r.content)
        text = await _pdftotext(path)
        assert "叫修登记簿" in text and call["voucher_no"] in text and "服务凭证" in text
        await _sign_in(intake)
        hant = await intake.get("/register/pdf", params={"lang": "zh-Hant"})
        path.write_bytes(hant.content)
        text = await _pdftotext(path)
        assert "叫修登記簿" in text and call["voucher_no"] in text


async def test_the_pages_speak_three_languages(ns) -> None:
    async with running(_app(ns)) as intake:
        await _sign_in(intake)
        hans = await intake.get("/register")
        assert "叫修登记簿" in hans.text  # the branch's default language
        hant = await intake.get("/register", params={"lang": "zh-Hant"})
        assert "叫修登記簿" in hant.text
        remembered = await intake.get("/")
        assert "叫修登記簿" in remembered.text
        en = await intake.get("/register", params={"lang": "en"}, headers=CLERK)
        assert "Call register" in en.text and "叫修" not in en.text.split("<main", 1)[1]


def test_each_page_admits_the_roles_of_its_json_route() -> None:
    from tests.routes import allowed_roles, name, routes_of

    gates = {name(r): allowed_roles(r) for r in routes_of(intake_app())}
    same = {"GET /": "GET /customers/{customer_id}",
            "GET /customers/new": "POST /customers",
            "POST /customers/new": "POST /customers",
            "GET /customers/{customer_id}/file": "GET /customers/{customer_id}",
            "POST /customers/{customer_id}/products": "POST /products",
            "GET /calls/new": "POST /calls", "POST /calls/new": "POST /calls",
            "GET /calls/{call_id}/page": "GET /calls/{call_id}",
            "GET /register": "GET /calls", "GET /register/pdf": "GET /calls",
            "POST /register/calls/{call_id}/cancel": "POST /calls/{call_id}/cancel",
            "POST /register/calls/{call_id}/file": "POST /calls/{call_id}/file",
            "GET /reconciliation": "GET /calls",
            "POST /reconciliation/run": "POST /reconciliation"}
    assert {page: gates[page] for page in same} == {page: gates[api] for page, api in same.items()}
