"""Dispatch's edges (issue 11): every bad input is a clear 4xx naming the field, never a
500, on SQLite and PostgreSQL; and every paper loaded by number is checked against the
caller's branch."""

from __future__ import annotations

import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from tests.dispatch.support import (
    MANAGER,
    SUPERVISOR,
    T01,
    at,
    issue_voucher,
    on_site,
)
from tests.helpers import running, token
from tests.infra import ENGINES

pytestmark = pytest.mark.integration

NOON = at("2026-03-16T12:00:00+08:00")
PART = {"part_no": "PSU-1", "quantity": 1, "unit_price": "120.00"}


def _refused(r, field: str | None) -> None:
    assert r.status_code == 422, (r.status_code, r.text)
    if field is not None:
        assert r.json()["field"] == field, r.json()


@pytest.mark.parametrize("engine", ENGINES)
async def test_bad_input_is_422_naming_the_field_never_500(ns, engine) -> None:
    app = dispatch_app(ns.on_engine("dispatch", engine), clock=FixedClock(NOON))
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        await on_site(dispatch, no)
        complete = f"/vouchers/{no}/complete"
        done = {"labour_minutes": 30, "signed_by": "Wu Mei", "parts": [PART]}
        # money: a decimal string, never a float, never more places than the currency has
        for price in (120.5, "1.005", "1e30", "NaN", "-1"):
            r = await dispatch.post(complete, headers=T01, json={
                **done, "parts": [{**PART, "unit_price": price}]})
            _refused(r, "parts.0.unit_price")
        for minutes in ("30", True, 30.0, 2**40):
            _refused(await dispatch.post(complete, headers=T01,
                                         json={**done, "labour_minutes": minutes}),
                     "labour_minutes")
        _refused(await dispatch.post(complete, headers=T01, json={
            **done, "parts": [{**PART, "quantity": True}]}), "parts.0.quantity")
        for name in ("Wu\x00Mei", "   ", "Wu\nMei", "x" * 121):
            _refused(await dispatch.post(complete, headers=T01, json={**done, "signed_by": name}),
                     "signed_by")
        for when in ("0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59-05:00",
                     "1999-12-31T23:00:00+00:00"):
            _refused(await dispatch.post(complete, headers=T01, json={**done, "at": when}), "at")
        ahead = await dispatch.post(complete, headers=T01,
                                    json={**done, "at": "2027-01-01T00:00:00+08:00"})
        _refused(ahead, "at")
        assert ahead.json()["rule"] == "CT1"  # SPEC CT1: a claimed time in the future

        carry = f"/vouchers/{no}/carry-in"
        for promised, rule in (("9999-12-31", None), ("0001-01-01", None),
                               ("2027-03-18", "S11")):
            r = await dispatch.post(carry, headers=T01,
                                    json={"promised_on": promised, "signed_by": "x"})
            _refused(r, "promised_on")
            assert r.json()["rule"] == rule

        log = "/technicians/T01/work-log"
        for day in ("0001-01-01", "9999-12-31", "1999-12-31"):
            _refused(await dispatch.post(log, headers=T01, json={
                "date": day, "category": "D", "minutes": 30}), "date")
        _refused(await dispatch.post(log, headers=T01, json={
            "date": "2026-03-16", "category": "D", "minutes": 30, "note": "a\x00b"}), "note")
        _refused(await dispatch.post("/reports/supervisor-daily/sign", headers=MANAGER,
                                     json={"branch": "SC01", "date": "0001-01-01"}), "date")
        _refused(await dispatch.get("/reports/technician-daily", headers=T01,
                                    params={"technician_id": "T01", "date": "0001-01-01"}),
                 "date")
        _refused(await dispatch.get("/escalations", headers=SUPERVISOR,
                                    params={"branch": "SC01", "as_of": "0001-01-01T00:00:00Z"}),
                 "as_of")

        # numbers in paths: what cannot exist is refused before any query
        for bad in ("SC01-V%00", "x" * 49, "SC01 V1"):
            _refused(await dispatch.get(f"/vouchers/{bad}", headers=SUPERVISOR), "voucher_no")
            _refused(await dispatch.post(f"/vouchers/{bad}/assign", headers=SUPERVISOR,
                                         json={"technician_id": "T01"}), "voucher_no")
        _refused(await dispatch.post("/repair-cards/RC%00/work", headers=T01,
                                     json={"minutes": 5}), "repair_card_no")
        _refused(await dispatch.post("/technicians/T%0001/work-log", headers=T01, json={
            "date": "2026-03-16", "category": "D", "minutes": 30}), "technician_id")
        assert (await dispatch.get("/vouchers/SC01-V999999",
                                   headers=SUPERVISOR)).status_code == 404

        # nothing of the above changed the voucher
        r = await dispatch.post(complete, headers=T01, json=done)
        assert r.status_code == 200, r.text


async def test_every_paper_is_checked_against_the_callers_branch(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(NOON))
    other = {role: token(role, user, "SC02") for role, user in (
        ("supervisor", "S21"), ("technician", "T21"), ("branch_manager", "M21"),
        ("clerk", "C21"))}
    async with running(app) as dispatch:
        no = await issue_voucher(app, dispatch, 1)
        await on_site(dispatch, no)
        r = await dispatch.post(f"/vouchers/{no}/carry-in", headers=T01,
                                json={"promised_on": "2026-03-18", "signed_by": "x"})
        card, receipt = r.json()["repair_card_no"], r.json()["pickup_receipt_no"]
        sc01 = {"branch": "SC01"}

        forbidden = [
            await dispatch.get(f"/vouchers/{no}", headers=other["supervisor"]),
            await dispatch.get("/board", params=sc01, headers=other["supervisor"]),
            await dispatch.get("/escalations", params=sc01, headers=other["supervisor"]),
            await dispatch.post(f"/vouchers/{no}/assign", headers=other["supervisor"],
                                json={"technician_id": "T21"}),
            await dispatch.post(f"/vouchers/{no}/complete", headers=other["technician"],
                                json={"labour_minutes": 5, "signed_by": "x"}),
            await dispatch.post(f"/repair-cards/{card}/work", headers=other["technician"],
                                json={"minutes": 5}),
            await dispatch.post(f"/repair-cards/{card}/inspect", headers=other["supervisor"]),
            await dispatch.post(f"/repair-cards/{card}/return", headers=other["clerk"],
                                json={"signed_by": "x", "pickup_receipt_no": receipt}),
            await dispatch.get("/reports/supervisor-daily", headers=other["supervisor"],
                               params={**sc01, "date": "2026-03-16"}),
            await dispatch.get("/reports/technician-daily", headers=other["supervisor"],
                               params={"technician_id": "T01", "date": "2026-03-16"}),
            await dispatch.post("/reports/supervisor-daily/sign", headers=other["branch_manager"],
                                json={**sc01, "date": "2026-03-16"}),
        ]
        assert [r.status_code for r in forbidden] == [403] * len(forbidden), [
            (r.request.url.path, r.status_code) for r in forbidden]

        # the other branch sees only its own board; a head-office token reads any voucher
        mine = await dispatch.get("/board", params={"branch": "SC02"},
                                  headers=other["supervisor"])
        assert mine.status_code == 200 and mine.json() == []
        dept = await dispatch.get(f"/vouchers/{no}", headers=token("service_dept", "D01", None))
        assert dept.status_code == 200
        # a technician acts only on the vouchers given to them
        t02 = token("technician", "T02")
        assert (await dispatch.post(f"/repair-cards/{card}/work", headers=t02,
                                    json={"minutes": 5})).status_code == 403
        assert (await dispatch.post(f"/repair-cards/{card}/return", headers=t02, json={
            "signed_by": "x", "pickup_receipt_no": receipt})).status_code == 403
