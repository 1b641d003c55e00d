"""The first flow, real on every hop: a call registered at intake crosses JetStream to
dispatch's board, survey's cards and billing's vouchers (issue 2)."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from services.billing.app import create_app as billing_app
from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from services.survey.app import create_app as survey_app

from .helpers import eventually, running, token

pytestmark = pytest.mark.integration

CLERK = token("clerk", "C01")


async def _customer_with_product(intake, *, district: str, purchased_on: str) -> tuple[int, int]:
    customer = await intake.post(
        "/customers",
        json={"name": "Wu Mei", "phone": "13800000001", "address": "88 Huaihai Rd",
              "district": district, "branch": "SC01"},
        headers=CLERK,
    )
    assert customer.status_code == 201, customer.text
    product = await intake.post(
        "/products",
        json={"customer_id": customer.json()["id"], "model": "TV-55Q", "serial": "SN1",
              "purchased_on": purchased_on, "warranty_months": 12},
        headers=CLERK,
    )
    assert product.status_code == 201, product.text
    return customer.json()["id"], product.json()["id"]


async def test_call_reaches_board_survey_and_billing(ns) -> None:
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(running(intake_app(ns.settings("intake"))))
        dispatch = await stack.enter_async_context(running(dispatch_app(ns.settings("dispatch"))))
        survey = await stack.enter_async_context(running(survey_app(ns.settings("survey"))))
        billing = await stack.enter_async_context(running(billing_app(ns.settings("billing"))))

        customer_id, product_id = await _customer_with_product(
            intake, district="Jiading", purchased_on="2020-01-01"
        )
        call = await intake.post(
            "/calls",
            json={"customer_id": customer_id, "product_id": product_id, "symptom": "no picture",
                  "received_at": "2026-03-13T15:00:00+08:00",
                  # SPEC CT1: older than the desk window, so a supervisor records it
                  "backdate_reason": "document call keyed late"},
            headers=token("supervisor", "S01"),
        )
        assert call.status_code == 201, call.text
        body = call.json()
        # SPEC S6: out of warranty and uncovered → paid; S19: Jiading is suburban,
        # Friday 15:00 + 7 working hours → Monday 14:00 Shanghai = 06:00Z.
        assert body["category"] == "A"
        assert body["sla_class"] == "suburban"
        assert body["arrival_due_at"] == "2026-03-16T06:00:00Z"
        assert body["status"] == "registered"

        async def on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"},
                                   headers=token("supervisor", "S01"))
            return [v for v in r.json() if v["voucher_no"] == body["voucher_no"]]

        line = (await eventually(on_board))[0]
        assert line["status"] == "waiting"
        assert line["arrival_due_at"] == body["arrival_due_at"]

        async def card():
            r = await survey.get("/survey-cards", params={"date": "2026-03-13", "branch": "SC01"},
                                 headers=token("service_dept", "D01", None))
            return r.json()

        cards = await eventually(card)
        assert [c["voucher_no"] for c in cards] == [body["voucher_no"]]

        async def billed():
            r = await billing.get(f"/vouchers/{body['voucher_no']}",
                                  headers=token("accountant", "A01"))
            return r.json() if r.status_code == 200 else None

        assert (await eventually(billed))["category"] == "A"


async def test_same_phone_same_branch_returns_existing_customer(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        payload = {"name": "Wu", "phone": "138 0000 0001", "address": "x", "district": "Xuhui",
                   "branch": "SC01"}
        first = await intake.post("/customers", json=payload, headers=CLERK)
        again = await intake.post("/customers", json={**payload, "phone": "13800000001"},
                                  headers=CLERK)
        assert first.status_code == 201
        assert again.status_code == 200
        assert again.json()["id"] == first.json()["id"]


async def test_bad_input_names_the_field_and_writes_nothing(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        r = await intake.post("/customers", json={"name": "Wu", "phone": "1", "address": "x",
                                                  "district": "Xuhui", "branch": "SC01"},
                              headers=CLERK)
        assert r.status_code == 422 and r.json()["field"] == "phone"
        r = await intake.post("/customers", json={"name": "Wu", "phone": "13800000001",
                                                  "address": "x", "district": "Xuhui",
                                                  "branch": "NOPE"}, headers=CLERK)
        assert r.status_code == 422 and r.json()["field"] == "branch"
        r = await intake.post("/calls", json={"customer_id": 99, "product_id": 1,
                                              "symptom": "x"}, headers=CLERK)
        assert r.status_code == 422 and r.json()["field"] == "customer_id"
        r = await intake.get("/calls", params={"date": "2026-03-13", "branch": "SC01"},
                             headers=CLERK)
        assert r.json() == []


async def test_roles_are_checked(ns) -> None:
    async with running(intake_app(ns.settings("intake"))) as intake:
        r = await intake.post("/calls", json={"customer_id": 1, "product_id": 1, "symptom": "x"})
        assert r.status_code == 401
        r = await intake.post("/calls", json={"customer_id": 1, "product_id": 1, "symptom": "x"},
                              headers=token("technician", "T01"))
        assert r.status_code == 403
        r = await intake.get("/healthz")
        assert r.status_code == 200 and r.json()["status"] == "ok"  # + calendar detail
