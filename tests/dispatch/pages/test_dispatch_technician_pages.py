"""The technician's phone pages and dispatch's papers (issue 12 item 6, CONTRACT "Console"):
the pages call the same use cases as the JSON routes, form posts carry the CSRF token, the
customer's drawn signature is kept with the voucher and printed on its PDF."""

from __future__ import annotations

import base64
import io
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from pydantic import ValidationError

from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import RepairCard, Signature
from services.dispatch.schemas import CompleteIn
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.dispatch.support import (
    SUPERVISOR,
    T01,
    T02,
    at,
    audit_actions,
    count,
    issue_voucher,
    outbox_types,
)
from tests.helpers import pdf_text, running, token

pytestmark = pytest.mark.integration

NOON = at("2026-03-16T12:00:00+08:00")


def drawn_signature() -> str:
    """A small PNG as the canvas would send it: a data URL of a scribble."""
    image = Image.new("RGBA", (120, 40), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(5, 30), (40, 8), (70, 32), (115, 6)], fill=(0, 0, 0, 255),
                               width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()



def app_for(ns):
    settings = ns.settings("dispatch", accounts_file=DEFAULT_FILE, cookie_secure=False)
    return dispatch_app(settings, clock=FixedClock(NOON))


async def signed_in(client: httpx.AsyncClient, user: str) -> str:
    """Sign in on the console (the client keeps the cookie); the session's CSRF token.
    A request with a bearer token is that token's caller, whatever the cookie."""
    r = await client.post("/login", data={"user": user, "password": "demo", "next": "/my"})
    assert r.status_code == 303, r.text
    codec = client._transport.app.state.runtime.sessions  # type: ignore[attr-defined]
    return codec.read(client.cookies[COOKIE]).csrf


async def assigned(client: httpx.AsyncClient, app, call_id: int, technician: str = "T01") -> str:
    no = await issue_voucher(app, client, call_id)
    r = await client.post(f"/vouchers/{no}/assign", json={"technician_id": technician},
                          headers=SUPERVISOR)
    assert r.status_code == 200, r.text
    return no


def test_a_signature_must_be_a_small_png_data_url() -> None:
    base = {"labour_minutes": 30, "signed_by": "Wu Mei"}
    assert CompleteIn.model_validate({**base, "signature_image": drawn_signature()})
    assert CompleteIn.model_validate(base).signature_image is None
    huge = "data:image/png;base64," + base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + b"0" * 210_000).decode()
    for wrong in ("data:image/jpeg;base64,/9j/4AAQ", "data:image/png;base64,!!!",
                  "data:image/png;base64," + base64.b64encode(b"GIF89a....").decode(), huge):
        with pytest.raises(ValidationError) as refused:
            CompleteIn.model_validate({**base, "signature_image": wrong})
        assert refused.value.errors()[0]["loc"] == ("signature_image",)


async def test_the_technicians_pages_render_for_their_own_vouchers_only(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        mine = await assigned(dispatch, app, 1)
        theirs = await assigned(dispatch, app, 2, technician="T02")
        page = await dispatch.get("/my", headers=T01)
        assert page.status_code == 200, page.text
        assert f'data-voucher="{mine}"' in page.text and theirs not in page.text
        assert 'class="stack"' in page.text and "data-due=" in page.text
        voucher = await dispatch.get(f"/my/vouchers/{mine}", headers=T01)
        assert voucher.status_code == 200 and 'data-action="arrive"' in voucher.text
        assert (await dispatch.get(f"/my/vouchers/{theirs}", headers=T01)).status_code == 403
        assert (await dispatch.get(f"/my/vouchers/{mine}", headers=T02)).status_code == 403
        assert (await dispatch.get("/my/vouchers/SC01-V999999", headers=T01)).status_code == 404
        other_branch = token("technician", "T09", "SC02")
        assert (await dispatch.get(f"/my/vouchers/{mine}", headers=other_branch)
                ).status_code == 403
        assert (await dispatch.get("/my", headers=SUPERVISOR)).status_code == 403
        report = await dispatch.get("/my/report", headers=T01)
        assert report.status_code == 200 and 'data-action="log-work"' in report.text
        # without a session, the page sends the technician to sign in
        r = await dispatch.get("/my")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        # the same page in English
        english = await dispatch.get("/my?lang=en", headers=T01)
        assert "My vouchers" in english.text
        assert "我的" in (await dispatch.get("/my?lang=zh-Hans", headers=T01)).text


async def test_arrive_and_complete_through_the_forms_with_two_parts_and_a_signature(
    ns, tmp_path: Path
) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await assigned(dispatch, app, 1)
        csrf = await signed_in(dispatch, "T01")
        page = f"/my/vouchers/{no}"
        refused = await dispatch.post(f"{page}/arrive", data={})
        assert refused.status_code == 403
        r = await dispatch.post(f"{page}/arrive", data={"csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == page
        form = await dispatch.get(page)
        assert form.status_code == 200
        for needed in ('data-action="complete"', 'data-action="add-part"',
                       'data-action="carry-in"', 'canvas class="signature"',
                       'name="signature"', 'name="signed_by"'):
            assert needed in form.text, needed
        more = await dispatch.get("/my/part-row?index=2",
                                  headers={"HX-Request": "true"})
        assert 'id="part_no-2"' in more.text and "index=3" in more.text
        signature = drawn_signature()
        body = {"csrf_token": csrf, "labour_minutes": "45",
                "part_no": ["BELT-7", "PUMP-2", ""], "quantity": ["2", "1", ""],
                "unit_price": ["18.50", "120", ""], "signed_by": "Wu Mei",
                "signature": signature}
        done = await dispatch.post(f"{page}/complete", data=body)
        assert done.status_code == 303, done.text
        again = await dispatch.post(f"{page}/complete", data=body)
        assert again.status_code == 409 and "already completed" in again.text

        assert await audit_actions(app, no, "voucher.completed") == 1
        assert await outbox_types(app, "dispatch.voucher.completed.v1") == 1
        assert await count(app, Signature, Signature.voucher_no == no,
                           Signature.purpose == "completion",
                           Signature.signer_role == "customer",
                           Signature.image == signature) == 1
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert [(p["part_no"], p["quantity"]) for p in paper["parts"]] == [
            ("BELT-7", 2), ("PUMP-2", 1)]
        assert paper["labour_minutes"] == 45 and paper["signed_by"] == "Wu Mei"
        shown = await dispatch.get(page)
        assert 'data-part="BELT-7"' in shown.text and 'data-action="complete"' not in shown.text
        assert f'data-voucher="{no}"' in (await dispatch.get("/my")).text

        r = await dispatch.get(f"/vouchers/{no}/pdf")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert b"/Subtype /Image" in r.content
        text = pdf_text(r.content)
        for shown_text in (no, "服务凭证", "BELT-7", "PUMP-2", "Wu Mei", "零件"):
            assert shown_text in text, shown_text
        # the clerk may read the voucher, another branch may not
        assert (await dispatch.get(f"/vouchers/{no}/pdf", headers=token("clerk", "C01"))
                ).status_code == 200
        assert (await dispatch.get(f"/vouchers/{no}/pdf",
                                   headers=token("supervisor", "S09", "SC02"))).status_code == 403
        assert (await dispatch.get("/vouchers/SC01-V999999/pdf", headers=SUPERVISOR)
                ).status_code == 404


async def test_a_bad_form_is_refused_naming_the_field_and_changes_nothing(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await assigned(dispatch, app, 1)
        assert (await dispatch.post(f"/my/vouchers/{no}/arrive", headers=T01)).status_code == 303
        bad = {"labour_minutes": "45", "part_no": "X-1", "quantity": "two",
               "unit_price": "5", "signed_by": "Wu Mei"}
        r = await dispatch.post(f"/my/vouchers/{no}/complete", data=bad, headers=T01)
        assert r.status_code == 422 and "quantity" in r.text
        jpeg = {**bad, "quantity": "1", "signature": "data:image/jpeg;base64,/9j/4AAQ"}
        r = await dispatch.post(f"/my/vouchers/{no}/complete", data=jpeg, headers=T01)
        assert r.status_code == 422 and "signature_image" in r.text
        assert await audit_actions(app, no, "voucher.completed") == 0
        # the JSON route takes the same optional field
        r = await dispatch.post(f"/vouchers/{no}/complete", headers=T01, json={
            "labour_minutes": 30, "signed_by": "Wu Mei", "signature_image": "data:x"})
        assert r.status_code == 422 and r.json()["field"] == "signature_image"


async def test_carry_in_through_the_page_gives_a_receipt_and_a_repair_card(
    ns, tmp_path: Path
) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await assigned(dispatch, app, 1)
        csrf = await signed_in(dispatch, "T01")
        await dispatch.post(f"/my/vouchers/{no}/arrive", data={"csrf_token": csrf})
        r = await dispatch.post(f"/my/vouchers/{no}/carry-in", data={
            "csrf_token": csrf, "promised_on": "2026-03-20", "signed_by": "Wu Mei",
            "signature": drawn_signature()})
        assert r.status_code == 303, r.text
        card_page = r.headers["location"]
        card_no = card_page.rsplit("/", 1)[1]
        assert card_no == "SC01-RC000001"
        page = await dispatch.get(card_page)
        assert page.status_code == 200 and 'data-action="log-work"' in page.text
        assert (await dispatch.get(card_page, headers=T02)).status_code == 403
        receipt_no = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)
                      ).json()["repair_card"]["pickup_receipt_no"]

        r = await dispatch.post(f"{card_page}/work", data={
            "csrf_token": csrf, "minutes": "50", "part_no": "MOTOR-9", "quantity": "1",
            "unit_price": "300"})
        assert r.status_code == 303, r.text
        receipt = await dispatch.get(f"/pickup-receipts/{receipt_no}/pdf")
        assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
        assert b"/Subtype /Image" in receipt.content
        text = pdf_text(receipt.content)
        assert receipt_no in text and "客户商品领取收据" in text and no in text
        card = await dispatch.get(f"/repair-cards/{card_no}/pdf", headers=SUPERVISOR)
        assert card.status_code == 200
        text = pdf_text(card.content)
        assert card_no in text and "修护卡" in text and "MOTOR-9" in text
        assert (await dispatch.get(f"/repair-cards/{card_no}/pdf",
                                   headers=token("supervisor", "S09", "SC02"))).status_code == 403
        assert (await dispatch.get("/pickup-receipts/SC01-PR999999/pdf", headers=SUPERVISOR)
                ).status_code == 404

        assert (await dispatch.post(f"/repair-cards/{card_no}/inspect", headers=SUPERVISOR)
                ).status_code == 200
        wrong = await dispatch.post(f"{card_page}/return", data={
            "csrf_token": csrf, "signed_by": "Wu Mei", "pickup_receipt_no": "SC01-PR000999"})
        assert wrong.status_code == 422
        r = await dispatch.post(f"{card_page}/return", data={
            "csrf_token": csrf, "signed_by": "Wu Mei", "pickup_receipt_no": receipt_no})
        assert r.status_code == 303, r.text
        assert await count(app, RepairCard, RepairCard.repair_card_no == card_no,
                           RepairCard.status == "returned") == 1
        returned = await dispatch.post(f"{card_page}/help", headers=T01,
                                       data={"reason": "too late"})
        assert returned.status_code == 409


async def test_s14b_the_technician_asks_the_supervisor_for_help_before_the_promised_date(
    ns,
) -> None:
    clock = FixedClock(NOON)
    settings = ns.settings("dispatch", accounts_file=DEFAULT_FILE, cookie_secure=False)
    app = dispatch_app(settings, clock=clock)
    async with running(app) as dispatch:
        no = await assigned(dispatch, app, 1)
        csrf = await signed_in(dispatch, "T01")
        await dispatch.post(f"/my/vouchers/{no}/arrive", data={"csrf_token": csrf})
        r = await dispatch.post(f"/my/vouchers/{no}/carry-in", data={
            "csrf_token": csrf, "promised_on": "2026-03-18", "signed_by": "Wu Mei"})
        card_page = r.headers["location"]
        card_no = card_page.rsplit("/", 1)[1]
        assert 'data-action="ask-help"' in (await dispatch.get(card_page)).text
        empty = await dispatch.post(f"{card_page}/help", data={"csrf_token": csrf, "reason": ""})
        assert empty.status_code == 422 and "reason" in empty.text
        assert (await dispatch.post(f"/repair-cards/{card_no}/help", headers=T02,
                                    json={"reason": "not mine"})).status_code == 403
        r = await dispatch.post(f"{card_page}/help", data={
            "csrf_token": csrf, "reason": "the motor is on back order until the 25th"})
        assert r.status_code == 303, r.text
        assert await audit_actions(app, no, "repair_card.help_requested") == 1
        assert "back order" in (await dispatch.get(card_page)).text
        timeline = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()["timeline"]
        asked = [e for e in timeline if e["action"] == "repair_card.help_requested"]
        assert asked[0]["by"] == "T01" and "back order" in asked[0]["detail"]["reason"]
        assert await outbox_types(app, "dispatch.repair.overdue.v1") == 0
        # The supervisor sees the request on the workshop page, beside the card.
        workshop = await dispatch.get("/workshop", headers=SUPERVISOR)
        assert 'data-help="true"' in workshop.text and "back order" in workshop.text
        # once the promised day has ended, S14's escalation is the supervisor's warning
        clock.advance(timedelta(days=3))
        late = await dispatch.post(f"/repair-cards/{card_no}/help", headers=T01,
                                   json={"reason": "too late"})
        assert late.status_code == 409 and late.json()["rule"] == "S14b"
        assert 'data-action="ask-help"' not in (await dispatch.get(card_page)).text


async def test_d_work_is_logged_on_my_daily_report(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        csrf = await signed_in(dispatch, "T01")
        r = await dispatch.post("/my/report/work-log", data={
            "csrf_token": csrf, "date": "2026-03-16", "category": "D", "minutes": "40",
            "note": "tool check"})
        assert r.status_code == 303 and r.headers["location"] == "/my/report?date=2026-03-16"
        page = await dispatch.get("/my/report?date=2026-03-16")
        assert page.status_code == 200 and "tool check" in page.text
        report = (await dispatch.get("/reports/technician-daily", headers=T01, params={
            "technician_id": "T01", "date": "2026-03-16"})).json()
        assert report["minutes_by_category"].get("D") == 40
        r = await dispatch.post("/my/report/work-log", data={
            "csrf_token": csrf, "date": "2026-03-16", "category": "A", "minutes": "40"})
        assert r.status_code == 422
