"""The supervisor's and branch manager's pages (issue 12 items 5 and 7, CONTRACT
"Console"): the board that updates by itself, assigning through the page form, lateness,
branch isolation, the workshop's inspection, the daily report signed read-only, and the
daily reports as PDFs in Chinese."""

from __future__ import annotations

import re

import httpx
import pytest

from services.dispatch.app import create_app as dispatch_app
from services.dispatch.models import Assignment, RepairCard
from shared.clock import FixedClock
from shared.events.intake import CallPrioritised
from shared.web.accounts import DEFAULT_FILE
from shared.web.sessions import COOKIE
from tests.dispatch.support import (
    MANAGER,
    SUPERVISOR,
    T01,
    at,
    audit_actions,
    count,
    issue_voucher,
    on_site,
)
from tests.helpers import eventually, inject, pdf_text, running, token

pytestmark = pytest.mark.integration

NOON = at("2026-03-16T12:00:00+08:00")
MONDAY = "2026-03-16"
SC02_SUPERVISOR = token("supervisor", "S21", branch="SC02")
PAGES = ["/", "/board/rows", "/board/escalations", "/workshop", "/workload", "/reports"]


def app_for(ns):
    settings = ns.settings("dispatch", accounts_file=DEFAULT_FILE, cookie_secure=False)
    return dispatch_app(settings, clock=FixedClock(NOON))


async def signed_in(client: httpx.AsyncClient, user: str) -> str:
    """Sign in on the console (the client keeps the cookie); the session's CSRF token."""
    r = await client.post("/login", data={"user": user, "password": "demo", "next": "/"})
    assert r.status_code == 303, r.text
    codec = client._transport.app.state.runtime.sessions  # type: ignore[attr-defined]
    return codec.read(client.cookies[COOKIE]).csrf


def row_of(html: str, voucher_no: str) -> str:
    found = re.search(rf'<tr data-voucher="{voucher_no}".*?</tr>', html, re.S)
    assert found, f"{voucher_no} not on the page"
    return found.group(0)



async def test_pages_render_for_the_supervisor_and_send_strangers_to_login(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        for path in PAGES:
            r = await dispatch.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"].startswith("/login?next="), path
        await signed_in(dispatch, "S01")
        for path in PAGES:
            r = await dispatch.get(path)
            assert r.status_code == 200, (path, r.text)
            assert "text/html" in r.headers["content-type"]
        board = (await dispatch.get("/")).text
        assert 'id="board"' in board and 'hx-get="/board/rows?branch=SC01"' in board
        assert 'every 5s' in board and "派工看板" in board
        for lang, title in (("en", "Dispatch board"), ("zh-Hant", "派工看板")):
            r = await dispatch.get("/", params={"lang": lang})
            assert r.status_code == 200 and title in r.text
        r = await dispatch.get("/reports", params={"lang": "zh-Hant"})
        assert "服務主任日報表" in r.text
        # A technician is refused the supervisor's board (an error page, not the board).
        r = await dispatch.get("/workload", headers=T01)
        assert r.status_code == 403 and 'id="workload"' not in r.text


async def test_a_new_call_appears_on_the_polled_board_fragment(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        await signed_in(dispatch, "S01")
        before = await dispatch.get("/board/rows", headers={"HX-Request": "true"})
        assert before.status_code == 200 and "data-voucher" not in before.text
        no = await issue_voucher(app, dispatch, 1, category="A")
        after = await dispatch.get("/board/rows", headers={"HX-Request": "true"})
        assert after.status_code == 200 and "<html" not in after.text
        row = row_of(after.text, no)
        assert "Huangpu" in row and 'data-action="assign"' in row
        assert 'data-due="2026-03-16T09:00:00Z"' in row
        assert "overdue" not in row.split(">")[0]  # due 17:00, it is noon: 300 min left
        assert "300" in row


async def test_assign_through_the_page_form_assigns_exactly_once(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        csrf = await signed_in(dispatch, "S01")
        url = f"/board/vouchers/{no}/assign"
        refused = await dispatch.post(url, data={"technician_id": "T01"})
        assert refused.status_code == 403
        assert await count(app, Assignment, Assignment.voucher_no == no) == 0

        r = await dispatch.post(url, data={"technician_id": "T01", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/"
        again = await dispatch.post(url, data={"technician_id": "T01", "csrf_token": csrf},
                                    headers={"HX-Request": "true"})
        assert again.status_code == 409 and 'class="error"' in again.text
        assert await count(app, Assignment, Assignment.voucher_no == no) == 1
        assert await audit_actions(app, no, "voucher.assigned") == 1
        voucher = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert voucher["status"] == "assigned" and voucher["technician_id"] == "T01"

        # Reassign with htmx: a message, and the board is told to refresh itself.
        r = await dispatch.post(url, data={"technician_id": "T02"},
                                headers={"HX-Request": "true", "X-CSRF-Token": csrf})
        assert r.status_code == 200 and r.headers["hx-trigger"] == "board-changed"
        assert no in r.text and "T02" in r.text
        assert await count(app, Assignment, Assignment.voucher_no == no) == 2
        row = row_of((await dispatch.get("/board/rows")).text, no)
        assert 'data-technician="T02"' in row


async def test_an_overdue_voucher_is_marked_and_priority_comes_first(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        late = await issue_voucher(app, dispatch, 1, received_at="2026-03-16T09:00:00+08:00",
                                   due="2026-03-16T11:30:00+08:00")
        fine = await issue_voucher(app, dispatch, 2, due="2026-03-16T16:00:00+08:00")
        flagged = await issue_voucher(app, dispatch, 3, due="2026-03-16T17:00:00+08:00")
        await inject(app, CallPrioritised(call_id=3, voucher_no=flagged, branch="SC01",
                                          reason="undispatched on 2026-03-13"))

        async def prioritised() -> bool:
            r = await dispatch.get("/board/rows", headers=SUPERVISOR)
            return 'data-priority="true"' in row_of(r.text, flagged)

        await eventually(prioritised)
        await signed_in(dispatch, "S01")
        html = (await dispatch.get("/")).text
        row = row_of(html, late)
        assert 'data-overdue="true"' in row and 'class=" overdue"' in row
        assert 'class="overdue"' in row  # the countdown, red from the start
        assert "30" in row
        on_time = row_of(html, fine)
        assert 'data-overdue="true"' not in on_time and 'class="overdue"' not in on_time
        assert 'class="priority"' in row_of(html, flagged)
        # S18: the flagged voucher first, then by arrival deadline.
        assert html.index(flagged) < html.index(late) < html.index(fine)


async def test_another_branchs_supervisor_sees_none_of_sc01s_vouchers(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        mine = await dispatch.get("/", headers=SUPERVISOR)
        assert mine.status_code == 200 and no in mine.text
        for path in ("/", "/board/rows", "/workload", "/reports", "/workshop"):
            theirs = await dispatch.get(path, headers=SC02_SUPERVISOR)
            assert theirs.status_code == 200, path
            assert no not in theirs.text and "SC01" not in theirs.text.split("<main", 1)[-1]
        peek = await dispatch.get("/board/rows", params={"branch": "SC01"},
                                  headers=SC02_SUPERVISOR)
        assert peek.status_code == 403 and no not in peek.text
        grab = await dispatch.post(f"/board/vouchers/{no}/assign",
                                   data={"technician_id": "T21"}, headers=SC02_SUPERVISOR)
        assert grab.status_code == 403
        assert await count(app, Assignment, Assignment.voucher_no == no) == 0


async def test_the_supervisor_inspects_a_repair_card_from_the_workshop_page(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1, category="C")
        await on_site(dispatch, no)
        r = await dispatch.post(f"/vouchers/{no}/carry-in", json={
            "promised_on": "2026-03-18", "signed_by": "Wu Mei"}, headers=T01)
        card_no = r.json()["repair_card_no"]
        csrf = await signed_in(dispatch, "S01")
        page = (await dispatch.get("/workshop")).text
        assert f'data-repair-card="{card_no}"' in page
        assert 'data-action="inspect"' not in page  # no work logged yet
        await dispatch.post(f"/repair-cards/{card_no}/work", json={"minutes": 60}, headers=T01)
        page = (await dispatch.get("/workshop")).text
        assert 'data-action="inspect"' in page
        r = await dispatch.post(f"/workshop/repair-cards/{card_no}/inspect",
                                data={"note": "works", "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == "/workshop"
        assert await count(app, RepairCard, RepairCard.repair_card_no == card_no,
                           RepairCard.status == "inspected") == 1
        page = (await dispatch.get("/workshop")).text
        assert 'data-action="inspect"' not in page and "S01" in page
        work = (await dispatch.get("/workload", params={"date": MONDAY})).text
        assert 'data-technician="T01"' in work and 'data-total="60"' in work


async def test_the_manager_signs_the_report_and_it_is_then_read_only(ns) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        await on_site(dispatch, no)
        await dispatch.post(f"/vouchers/{no}/complete", json={
            "labour_minutes": 45, "signed_by": "Wu Mei"}, headers=T01)
        supervisor = await dispatch.get("/reports", params={"date": MONDAY},
                                        headers=SUPERVISOR)
        assert supervisor.status_code == 200 and 'data-total="45"' in supervisor.text
        assert 'data-action="sign-report"' not in supervisor.text  # only the manager signs

        csrf = await signed_in(dispatch, "M01")
        page = await dispatch.get("/reports", params={"date": MONDAY})
        assert page.status_code == 200 and 'data-action="sign-report"' in page.text
        assert 'data-signed="false"' in page.text
        r = await dispatch.post("/reports/sign", data={"date": MONDAY, "csrf_token": csrf})
        assert r.status_code == 303 and r.headers["location"] == f"/reports?date={MONDAY}"
        page = await dispatch.get(r.headers["location"])
        assert 'data-signed="true"' in page.text and 'data-signed-by="M01"' in page.text
        assert 'data-action="sign-report"' not in page.text and "M01" in page.text
        again = await dispatch.post("/reports/sign", data={"date": MONDAY, "csrf_token": csrf})
        assert again.status_code == 409
        assert await audit_actions(app, f"SC01:{MONDAY}", "supervisor_report.signed") == 1
        api = await dispatch.get("/reports/supervisor-daily",
                                 params={"branch": "SC01", "date": MONDAY}, headers=MANAGER)
        assert api.json()["signed"] is True and api.json()["signed_by"] == "M01"


async def test_daily_report_pdfs_show_chinese_labels_branch_and_date(ns, tmp_path) -> None:
    app = app_for(ns)
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        await on_site(dispatch, no)
        await dispatch.post(f"/vouchers/{no}/complete", json={
            "labour_minutes": 45, "signed_by": "Wu Mei"}, headers=T01)
        r = await dispatch.get("/reports/supervisor-daily/pdf",
                               params={"branch": "SC01", "date": MONDAY}, headers=SUPERVISOR)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = pdf_text(r.content)
        assert "服务主任日报表" in text and "分公司" in text and "有费" in text
        assert "SC01" in text and MONDAY in text and "T01" in text and "45" in text

        r = await dispatch.get("/reports/technician-daily/pdf",
                               params={"technician_id": "T01", "date": MONDAY}, headers=T01)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = pdf_text(r.content)
        assert "技术员日报表" in text and "服务凭证" in text
        assert "T01" in text and MONDAY in text and no in text and "SC01" in text

        other = await dispatch.get("/reports/supervisor-daily/pdf",
                                   params={"branch": "SC01", "date": MONDAY},
                                   headers=SC02_SUPERVISOR)
        assert other.status_code == 403
        stranger = await dispatch.get("/reports/supervisor-daily/pdf",
                                      params={"branch": "SC01", "date": MONDAY})
        assert stranger.status_code in (302, 303, 401)


async def test_the_board_page_is_read_a_screen_at_a_time_and_links_the_next(
    ns, monkeypatch
) -> None:
    """A branch with more open vouchers than a screen holds (issue 17): the board page and
    its polled rows show the first screen in the S18 order and link the rest, which the
    next screen continues without a gap or a repeat."""
    from services.dispatch.pages import board as board_pages

    monkeypatch.setattr(board_pages, "BOARD_PAGE", 2)
    app = app_for(ns)
    async with running(app) as dispatch:
        dues = ["2026-03-16T15:00:00+08:00", "2026-03-16T13:00:00+08:00",
                "2026-03-16T14:00:00+08:00"]
        for call_id, due in enumerate(dues, start=1):
            await issue_voucher(app, dispatch, call_id, due=due)
        await signed_in(dispatch, "S01")
        first = (await dispatch.get("/")).text
        shown = re.findall(r'<tr data-voucher="([^"]+)"', first)
        assert shown == ["SC01-V000002", "SC01-V000003"]  # by arrival deadline (S18)
        link = re.search(r'href="(/\?branch=SC01&amp;after=[^"]+)" data-action="board-next"',
                         first)
        assert link, "no link to the next screen"
        second = (await dispatch.get(link.group(1).replace("&amp;", "&"))).text
        assert re.findall(r'<tr data-voucher="([^"]+)"', second) == ["SC01-V000001"]
        assert 'data-action="board-next"' not in second
        assert 'data-action="board-first"' in second
        assert 'hx-get="/board/rows?branch=SC01&amp;after=SC01-V000003"' in second
        rows = (await dispatch.get("/board/rows", params={"after": "SC01-V000003"})).text
        assert re.findall(r'<tr data-voucher="([^"]+)"', rows) == ["SC01-V000001"]
