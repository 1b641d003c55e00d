"""Billing refuses the cover of a B call (SPEC E3): over the stream, the call becomes A
with the reason, shown in GET /calls/{id} and on the clerk's call page; once."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.app import create_app as intake_app
from shared.events.billing import CoverGranted, CoverRefused
from tests.helpers import eventually, running, token
from tests.intake.support import CLERK, customer_with_product, inject

pytestmark = pytest.mark.integration


async def test_e3_a_refused_cover_makes_the_call_a_with_the_reason_shown(ns) -> None:
    app = intake_app(ns.settings("intake"))
    async with running(app) as intake:
        customer_id, product_id = await customer_with_product(intake, purchased_on="2020-01-01")
        await inject(app, CoverGranted(kind="extended_warranty", ref="EW-7", branch="SC01",
                                       customer_id=customer_id, product_id=product_id,
                                       starts_on=date(2026, 1, 1), ends_on=date(2028, 12, 31)))

        async def covered() -> bool:
            r = await intake.get(f"/customers/{customer_id}", headers=CLERK)
            return bool(r.json()["products"][0]["covers"])

        await eventually(covered)
        r = await intake.post("/calls", json={"customer_id": customer_id,
                                              "product_id": product_id,
                                              "symptom": "cracked panel"}, headers=CLERK)
        call = r.json()
        assert call["category"] == "B" and call["category_reason"] is None

        refusal = CoverRefused(voucher_no=call["voucher_no"], call_id=call["id"],
                               branch="SC01", ref="EW-7", reason="misuse")
        await inject(app, refusal)
        await inject(app, refusal)  # redelivered: applied once

        async def refused() -> dict | None:
            body = (await intake.get(f"/calls/{call['id']}", headers=CLERK)).json()
            return body if body["category"] == "A" else None

        body = await eventually(refused)
        assert (body["category_reason"], body["category_before"], body["cover_refused_ref"]) == (
            "misuse", "B", "EW-7")
        page = await intake.get(f"/calls/{call['id']}/page", params={"lang": "en"},
                                headers=CLERK)
        assert 'data-category="A"' in page.text and 'data-reason="misuse"' in page.text
        assert "The cover EW-7 was refused: misuse" in page.text
        hant = await intake.get(f"/calls/{call['id']}/page", params={"lang": "zh-Hant"},
                                headers=CLERK)
        assert "使用不當" in hant.text
        audit = await intake.get(f"/admin/audit/call/{call['id']}",
                                 headers=token("admin", "root", None))
        applied = [a["detail"]["applied"] for a in audit.json()
                   if a["action"] == "call.cover_refused"]
        assert applied == [True]  # the inbox drops the redelivery before it is applied

