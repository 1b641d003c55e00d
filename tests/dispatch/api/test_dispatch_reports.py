"""Daily reports over HTTP (SPEC S6, S15, S16, S17): built from the work actually
logged, signed by the branch manager, immutable once signed."""

from __future__ import annotations

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from tests.dispatch.support import (
    CLERK,
    MANAGER,
    SUPERVISOR,
    T01,
    T02,
    at,
    issue_voucher,
    on_site,
    stream_of,
)
from tests.helpers import running, token

pytestmark = pytest.mark.integration

MONDAY = "2026-03-16"
NOON = at("2026-03-16T12:00:00+08:00")


def _d(minutes: int, day: str = MONDAY, category: str = "D") -> dict:
    return {"date": day, "category": category, "minutes": minutes, "note": "tool upkeep"}


async def test_s15_s16_daily_reports_from_vouchers_worked_and_d_logs(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        paid = await issue_voucher(app, dispatch, 1, category="A")
        free = await issue_voucher(app, dispatch, 2, category="C")
        await on_site(dispatch, paid, technician="T01")
        await dispatch.post(f"/vouchers/{paid}/complete", json={
            "labour_minutes": 45, "signed_by": "Wu Mei"}, headers=T01)
        await on_site(dispatch, free, technician="T02")
        r = await dispatch.post(f"/vouchers/{free}/carry-in", json={
            "promised_on": "2026-03-18", "signed_by": "Zhou"}, headers=T02)
        await dispatch.post(f"/repair-cards/{r.json()['repair_card_no']}/work",
                            json={"minutes": 90}, headers=T02)
        r = await dispatch.post("/technicians/T01/work-log", json=_d(30), headers=T01)
        assert r.status_code == 201 and r.json()["date"] == MONDAY

        q = {"technician_id": "T01", "date": MONDAY}
        mine = (await dispatch.get("/reports/technician-daily", params=q, headers=T01)).json()
        assert mine["minutes_by_category"] == {"A": 45, "B": 0, "C": 0, "D": 30}
        assert mine["total_minutes"] == 75
        assert [(e["source"], e["voucher_no"]) for e in mine["entries"]] == [
            ("on_site", paid), ("manual", None)]
        assert (await dispatch.get("/reports/technician-daily", params=q,
                                   headers=T02)).status_code == 403
        assert (await dispatch.get("/reports/technician-daily", params=q,
                                   headers=SUPERVISOR)).status_code == 200

        day = await dispatch.get("/reports/supervisor-daily",
                                 params={"branch": "SC01", "date": MONDAY}, headers=SUPERVISOR)
        assert day.json()["minutes_by_category"] == {"A": 45, "B": 0, "C": 90, "D": 30}
        assert day.json()["by_technician"] == {"T01": {"A": 45, "B": 0, "C": 0, "D": 30},
                                               "T02": {"A": 0, "B": 0, "C": 90, "D": 0}}
        assert day.json()["signed"] is False and day.json()["total_minutes"] == 165
        assert (await dispatch.get("/reports/supervisor-daily",
                                   params={"branch": "SC01", "date": MONDAY},
                                   headers=token("clerk", "C01"))).status_code == 403


async def test_s6_technicians_log_only_d_and_only_for_themselves(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        log = "/technicians/T01/work-log"
        paid = await dispatch.post(log, json=_d(30, category="A"), headers=T01)
        assert paid.status_code == 422 and paid.json()["rule"] == "S6"
        assert paid.json()["field"] == "category"
        assert (await dispatch.post(log, json=_d(30), headers=T02)).status_code == 403
        # SPEC CT1: the supervisor may log for a technician of the branch (the approver of a
        # late day); a clerk may not
        assert (await dispatch.post(log, json=_d(30), headers=CLERK)).status_code == 403
        ahead = await dispatch.post(log, json=_d(30, day="2026-03-17"), headers=T01)
        assert ahead.status_code == 422 and ahead.json()["field"] == "date"
        for bad in ({"category": "D", "minutes": 30}, {**_d(0)}, {**_d(30), "category": "E"}):
            assert (await dispatch.post(log, json=bad, headers=T01)).status_code == 422
        stranger = await dispatch.post("/technicians/T99/work-log", json=_d(30),
                                       headers=token("technician", "T99"))
        assert stranger.status_code == 422 and stranger.json()["field"] == "technician_id"


async def test_s17_signed_supervisor_report_is_immutable(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    async with running(app) as dispatch, stream_of(ns) as stream:
        no = await issue_voucher(app, dispatch, 1, category="B")
        await on_site(dispatch, no)
        await dispatch.post("/technicians/T01/work-log", json=_d(30), headers=T01)
        q = {"branch": "SC01", "date": MONDAY}
        dept = token("service_dept", "D01", None)
        unsigned = await dispatch.get("/reports/supervisor-daily", params=q, headers=dept)
        assert unsigned.status_code == 409 and unsigned.json()["rule"] == "S17"

        sign = {"branch": "SC01", "date": MONDAY}
        path = "/reports/supervisor-daily/sign"
        assert (await dispatch.post(path, json=sign, headers=SUPERVISOR)).status_code == 403
        other = await dispatch.post(path, json=sign, headers=token("branch_manager", "M9", "SC02"))
        assert other.status_code == 403
        ahead = await dispatch.post(path, json={**sign, "date": "2026-03-17"}, headers=MANAGER)
        assert ahead.status_code == 422
        r = await dispatch.post(path, json=sign, headers=MANAGER)
        assert r.status_code == 200, r.text
        assert (r.json()["signed"], r.json()["signed_by"]) == (True, "M01")
        assert r.json()["minutes_by_category"] == {"A": 0, "B": 0, "C": 0, "D": 30}
        again = await dispatch.post(path, json=sign, headers=MANAGER)
        assert again.status_code == 409 and again.json()["rule"] == "S17"

        more = await dispatch.post("/technicians/T01/work-log", json=_d(15), headers=T01)
        assert more.status_code == 409 and "S17" in more.json()["detail"]
        done = await dispatch.post(f"/vouchers/{no}/complete", json={
            "labour_minutes": 20, "signed_by": "Wu", "component": "display",
            "cause": "defect"}, headers=T01)
        assert done.status_code == 409 and done.json()["rule"] == "S17"
        paper = (await dispatch.get(f"/vouchers/{no}", headers=SUPERVISOR)).json()
        assert paper["status"] == "on_site" and paper["signatures"] == []  # nothing half-done

        signed = await dispatch.get("/reports/supervisor-daily", params=q, headers=dept)
        assert signed.status_code == 200 and signed.json()["signed_at"] == "2026-03-16T04:00:00Z"
        assert signed.json()["minutes_by_category"]["D"] == 30
        event = (await stream.wait_for("dispatch.supervisor_report.signed.v1"))[0]
        assert (event["branch"], event["day"], event["signed_by"]) == ("SC01", MONDAY, "M01")
        assert event["minutes_by_category"] == {"A": 0, "B": 0, "C": 0, "D": 30}
        audit = await dispatch.get(f"/admin/audit/supervisor_report/SC01:{MONDAY}",
                                   headers=token("admin", "root", None))
        assert [a["action"] for a in audit.json()] == ["supervisor_report.signed"]
