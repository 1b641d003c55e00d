"""The pages where a person acts on issue 13's controls: the supervisor records a late
arrival from the board with its reason (SPEC CT1), the board marks it back-dated, and
the technician's completion form asks what failed and why (E3/E4)."""

from __future__ import annotations

import httpx
import pytest

from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import Voucher
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.dispatch.support import SUPERVISOR, T01, at, issue_voucher, on_site
from tests.helpers import running

pytestmark = pytest.mark.integration

LATER = at("2026-03-20T12:00:00+08:00")
NOON = at("2026-03-16T12:00:00+08:00")


def app_for(ns, now):
    settings = ns.settings("dispatch", accounts_file=DEFAULT_FILE, cookie_secure=False)
    return dispatch_app(settings, clock=FixedClock(now))


async def signed_in(client: httpx.AsyncClient, user: str, home: str) -> str:
    r = await client.post("/login", data={"user": user, "password": "demo", "next": home})
    assert r.status_code == 303, r.text
    codec = client._transport.app.state.runtime.sessions  # type: ignore[attr-defined]
    return codec.read(client.cookies[COOKIE]).csrf


async def test_ct1_supervisor_records_a_late_arrival_from_the_board(ns) -> None:
    app = app_for(ns, LATER)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        r = await dispatch.post(f"/vouchers/{no}/assign", json={"technician_id": "T01"},
                                headers=SUPERVISOR)
        assert r.status_code == 200
        csrf = await signed_in(dispatch, "S01", "/")
        board = await dispatch.get("/")
        assert 'data-action="record-arrival"' in board.text
        form = {"csrf_token": csrf, "at": "2026-03-16T16:00"}
        refused = await dispatch.post(f"/board/vouchers/{no}/arrive", data=form)
        assert refused.status_code == 422  # no reason: refused as a page, nothing changed
        async with app.state.runtime.db.reading() as session:
            v = await session.get(Voucher, no)
            assert v is not None and v.status == "assigned"
        r = await dispatch.post(f"/board/vouchers/{no}/arrive", data={
            **form, "backdate_reason": "the technician's phone died"})
        assert r.status_code == 303, r.text
        async with app.state.runtime.db.reading() as session:
            v = await session.get(Voucher, no)
            assert v is not None
            assert (v.arrived_at, v.sla_met, v.arrival_backdate_approved_by) == (
                at("2026-03-16T16:00:00+08:00"), True, "S01")
        board = await dispatch.get("/?lang=en")
        assert 'data-backdated="true"' in board.text and "Back-dated, approved by S01" in board.text


async def test_e3_the_completion_form_asks_what_failed_and_refuses_a_b_job_without(ns) -> None:
    app = app_for(ns, NOON)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1, category="B")
        await on_site(dispatch, no)
        csrf = await signed_in(dispatch, "T01", "/my")
        page = await dispatch.get(f"/my/vouchers/{no}?lang=zh-Hant")
        assert 'name="component"' in page.text and 'name="cause"' in page.text
        assert "故障部件" in page.text
        done = {"csrf_token": csrf, "labour_minutes": "30", "signed_by": "Wu Mei"}
        refused = await dispatch.post(f"/my/vouchers/{no}/complete", data=done)
        assert refused.status_code == 422
        r = await dispatch.post(f"/my/vouchers/{no}/complete", data={
            **done, "component": "power_supply", "cause": "power_surge", "unrepairable": "1"})
        assert r.status_code == 303, r.text
        answer = (await dispatch.get(f"/vouchers/{no}", headers=T01)).json()
        assert (answer["component"], answer["cause"], answer["repairable"]) == (
            "power_supply", "power_surge", False)
