"""The accountant's payroll page: register a person, a bonus, close the month (SPEC P5–P7)."""

from __future__ import annotations

import pytest

from shared.web.sessions import COOKIE
from tests.helpers import token

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")


async def test_p7_accountant_registers_staff_records_a_bonus_and_closes_the_month(
    console,
) -> None:
    r = await console.client.post("/login", data={"user": "A01", "password": "demo",
                                                  "next": "/"})
    cookies = {COOKIE: r.cookies[COOKIE]}
    csrf = console.rt.sessions.read(r.cookies[COOKIE]).csrf
    console.client.cookies.update(cookies)
    page = await console.client.get("/payroll?lang=en")
    assert page.status_code == 200 and "Staff register" in page.text
    r = await console.client.post("/payroll/staff", data={
        "csrf_token": csrf, "person_id": "T01", "name": "Technician Li", "unit": "SC01-field",
        "section": "SC01", "base_points": "1.00", "effective_month": "2026-03"})
    assert r.status_code == 303, r.text
    r = await console.client.post("/payroll/bonus", data={
        "csrf_token": csrf, "person_id": "T01", "month": "2026-03", "amount": "3000.00"})
    assert r.status_code == 303, r.text
    r = await console.client.post("/payroll/close", data={"csrf_token": csrf, "month": "2026-03"})
    assert r.status_code == 303, r.text
    page = await console.client.get("/payroll?lang=zh-Hans")
    assert "T01" in page.text and "2026-03" in page.text
    r = await console.client.put("/bonuses/T01/2026-03", json={"amount": "10.00"},
                                 headers=ACCOUNTANT)
    assert r.status_code == 409  # a closed month's bonus cannot change
