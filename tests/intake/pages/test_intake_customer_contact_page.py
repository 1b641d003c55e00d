"""Issue 14 in the clerk's console: the new-customer form takes the customer's e-mail and
letter language, the customer file shows them and corrects them (CSRF-protected, same
use case as ``PUT /customers/{id}/contact``), and a bad address is refused on the form."""

from __future__ import annotations

import re

import httpx
import pytest

from services.intake.app import create_app as intake_app
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.helpers import running, token
from tests.intake.support import CLERK, at

pytestmark = pytest.mark.integration

NOW = at("2026-03-16T10:00:00+08:00")


def _app(ns):
    settings = ns.settings("intake", accounts_file=DEFAULT_FILE, cookie_secure=False)
    return intake_app(settings, clock=FixedClock(NOW))


async def _sign_in(client: httpx.AsyncClient) -> str:
    r = await client.post("/login", data={"user": "C01", "password": "demo", "next": "/"})
    assert r.status_code == 303, r.text
    session = client._transport.app.state.runtime.sessions.read(r.cookies[COOKIE])  # type: ignore[attr-defined]
    return session.csrf


async def test_email_and_language_through_the_forms_and_the_api(ns) -> None:
    async with running(_app(ns)) as intake:
        csrf = await _sign_in(intake)
        blank = await intake.get("/customers/new")
        assert 'name="email"' in blank.text
        assert '<option value="zh-Hans" selected>' in blank.text  # SC01's language
        form = {"csrf_token": csrf, "name": "Li Lei", "phone": "139 0000 0002",
                "address": "1 Jiading Rd", "district": "Jiading", "model": "WM-8",
                "serial": "SN-W1", "purchased_on": "2025-12-01", "warranty_months": "12",
                "email": "li.lei@example", "language": "en"}
        bad = await intake.post("/customers/new", data=form)
        assert bad.status_code == 422 and 'id="email-error"' in bad.text
        r = await intake.post("/customers/new", data={**form, "email": "li.lei@example.com"})
        assert r.status_code == 303, r.text
        customer_id = int(re.fullmatch(r"/customers/(\d+)/file", r.headers["location"])[1])
        page = await intake.get(f"/customers/{customer_id}/file")
        assert 'id="customer-email">li.lei@example.com<' in page.text
        assert 'id="customer-language">English<' in page.text

        refused = await intake.post(f"/customers/{customer_id}/contact/page",
                                    data={"email": "", "language": "zh-Hant"})
        assert refused.status_code == 403  # no CSRF token
        saved = await intake.post(f"/customers/{customer_id}/contact/page",
                                  data={"csrf_token": csrf, "email": "", "language": "zh-Hant"})
        assert saved.status_code == 303, saved.text
        api = await intake.get(f"/customers/{customer_id}", headers=CLERK)
        assert (api.json()["email"], api.json()["language"]) == (None, "zh-Hant")

        put = await intake.put(f"/customers/{customer_id}/contact", headers=CLERK,
                               json={"email": "LL@Example.com", "language": "en"})
        assert put.status_code == 200, put.text
        assert (put.json()["email"], put.json()["language"]) == ("LL@example.com", "en")
        assert (await intake.put(f"/customers/{customer_id}/contact",
                                 headers=token("clerk", "C21", "SC02"),
                                 json={})).status_code == 403  # another branch's file
        created = await intake.post("/customers", headers=CLERK, json={
            "name": "Zhao", "phone": "13900000003", "address": "2 Rd", "district": "Jiading",
            "branch": "SC01", "email": "zhao@example.com"})
        assert created.status_code == 201, created.text
        assert (created.json()["email"], created.json()["language"]) == (
            "zhao@example.com", "zh-Hans")
