"""Penalty decisions on closed cases and the monthly notices (SPEC P1–P5, P8), C9.10 table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from services.complaints.service.penalties import WATCHER
from shared.clock import FixedClock
from tests.helpers import eventually, running, token

from ..support import (
    ADMIN,
    GM,
    GM_OFFICE,
    QA,
    SALES,
    SALES_MANAGER,
    VICE_GM,
    file,
    step,
    stream_reader,
    walk_to_approval,
    watchers_by_hand,
)

pytestmark = pytest.mark.integration
NOV = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
ACCOUNTANT = token("accountant", "A01")


async def _closed(client, *, handling="return", amount="3000.00", **changes) -> str:
    """A closed case; QA named "assembly" responsible."""
    case_no = (await file(client, **changes))["case_no"]
    await walk_to_approval(client, case_no, handling=handling, amount=amount)
    await step(client, case_no, "approval", SALES_MANAGER, approved=True)
    await step(client, case_no, "execution", SALES)
    return case_no


@pytest.fixture
def clock():
    return FixedClock(NOV)


@pytest.fixture
async def app_client(ns, clock):
    app = create_app(ns.settings("complaints"), clock=clock)
    watchers = watchers_by_hand(app)
    async with running(app) as client:
        yield app, client, watchers


async def test_p1_loss_on_returned_goods_after_the_resale_window(app_client) -> None:
    _, client, _ = app_client
    open_case = (await file(client))["case_no"]
    body = {"a_grade_price": "5000.00", "returned_on": "2026-11-01", "sold_on": "2026-11-20",
            "resale_price": "4200.00"}
    r = await client.post(f"/complaints/{open_case}/loss", json=body, headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (409, "P1")
    case_no = await _closed(client)
    assert (await client.post(f"/complaints/{case_no}/loss", json=body,
                              headers=SALES)).status_code == 403
    r = await client.post(f"/complaints/{case_no}/loss", json=body, headers=GM_OFFICE)
    assert r.json() == {"case_no": case_no, "loss_amount": "800.00"}  # shortfall on A grade
    unsold = {"a_grade_price": "5000.00", "returned_on": "2026-10-01", "actual_loss": "1300.00"}
    r = await client.post(f"/complaints/{case_no}/loss", json=unsold, headers=GM_OFFICE)
    assert r.json()["loss_amount"] == "1300.00"
    r = await client.post(f"/complaints/{case_no}/loss", headers=GM_OFFICE,
                          json={"a_grade_price": "5000.00", "returned_on": "2026-10-01"})
    assert (r.status_code, r.json()["field"]) == (422, "actual_loss")
    allowance = await _closed(client, handling="allowance")
    r = await client.post(f"/complaints/{allowance}/loss", json=body, headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (409, "P1")


async def test_p2_p5_loss_apportioned_by_ratio_and_named_by_reference(app_client) -> None:
    _, client, _ = app_client
    case_no = await _closed(client)
    await client.post(f"/complaints/{case_no}/loss", headers=GM_OFFICE, json={
        "a_grade_price": "5000.00", "returned_on": "2026-10-01", "actual_loss": "1200.00"})
    parties = [
        {"department": "manufacturing", "unit": "assembly", "group": "assembly-line2",
         "ratio": "3"},
        {"department": "sales", "unit": "export", "individual": "E-S1", "ratio": "1"},
    ]
    url = f"/complaints/{case_no}/penalties/economic"
    r = await client.post(url, json={"parties": parties}, headers=GM_OFFICE)
    assert r.status_code == 201, r.text
    lines = {(x["bearer"], x["person_id"], x["loss_share"], x["bearer_level"])
             for x in r.json()}
    assert lines == {("assembly-line2", None, "900.00", "group"),
                     ("E-S1", "E-S1", "300.00", "individual")}
    # The requester no longer supplies members or base points (billing's register has them).
    r = await client.post(url, headers=GM_OFFICE, json={"loss": "100.00", "parties": [
        {"department": "sales", "unit": "sales", "members": [
            {"person_id": "E1", "base_points": "1"}]}]})
    assert r.status_code == 422
    got = (await client.get(f"/complaints/{case_no}/penalties", headers=ACCOUNTANT)).json()
    assert len(got) == 2


async def test_p1_p2_the_same_economic_decision_posted_again_is_409(app_client) -> None:
    _, client, _ = app_client
    case_no = await _closed(client)
    url = f"/complaints/{case_no}/penalties/economic"
    body = {"loss": "1000.00", "parties": [
        {"department": "sales", "unit": "export", "individual": "E-S1"}]}
    assert (await client.post(url, json=body, headers=GM_OFFICE)).status_code == 201
    for again in (body, {**body, "loss": "700.00"}):  # a second, or a third, decision
        r = await client.post(url, json=again, headers=GM_OFFICE)
        assert (r.status_code, r.json()["rule"]) == (409, "P2")
    lines = (await client.get(f"/complaints/{case_no}/penalties", headers=ACCOUNTANT)).json()
    assert [(x["person_id"], x["loss_share"]) for x in lines] == [("E-S1", "1000.00")]


async def test_p2_a_correction_supersedes_the_earlier_decision_both_kept(ns, app_client) -> None:
    _, client, _ = app_client
    async with stream_reader(ns, "complaints.penalty.decided.v1") as decided:
        case_no = await _closed(client)
        url = f"/complaints/{case_no}/penalties/economic"
        first = (await client.post(url, headers=GM_OFFICE, json={"loss": "1000.00", "parties": [
            {"department": "sales", "unit": "export", "individual": "E-S1"}]})).json()[0]
        party = {"department": "sales", "unit": "export", "individual": "E-S1"}
        r = await client.post(url, headers=GM_OFFICE, json={
            "loss": "600.00", "parties": [party], "supersedes": first["id"]})
        assert (r.status_code, r.json()["field"]) == (422, "reason")
        r = await client.post(url, headers=GM_OFFICE, json={
            "loss": "600.00", "parties": [party], "supersedes": first["id"],
            "reason": "responsibility re-judged"})
        assert r.status_code == 201, r.text
        second = r.json()[0]
        assert (second["supersedes"], second["effective"]) == (first["id"], True)
        r = await client.post(url, headers=GM_OFFICE, json={
            "loss": "500.00", "parties": [party], "supersedes": first["id"], "reason": "x"})
        assert (r.status_code, r.json()["rule"]) == (409, "P2")  # already superseded
        lines = (await client.get(f"/complaints/{case_no}/penalties",
                                  headers=ACCOUNTANT)).json()
        assert [(x["id"], x["loss_share"], x["effective"], x["superseded_by"])
                for x in lines] == [(first["id"], "1000.00", False, second["id"]),
                                    (second["id"], "600.00", True, None)]
        await eventually(lambda: _at_least(decided, 2), within=10)
        assert [(e["decision_id"], e["loss_share"], e["supersedes"]) for e in decided] == [
            (first["id"], "1000.00", None), (second["id"], "600.00", first["id"])]
        assert decided[1]["reason"] == "responsibility re-judged"
        assert decided[0]["month"] == "2026-11" and decided[0]["kind"] == "economic"


async def test_p3_p4_administrative_penalty_names_one_of_fifteen_grounds(app_client) -> None:
    _, client, _ = app_client
    case_no = await _closed(client, handling="allowance")
    url = f"/complaints/{case_no}/penalties/administrative"
    body = {"person_id": "E-S1", "department": "sales", "unit": "export",
            "level": "warning", "ground": "order_entry_error"}
    r = await client.post(url, json=body, headers=GM_OFFICE)
    assert r.status_code == 201 and r.json()["amount"] == "400.00"
    r = await client.post(url, json={**body, "person_id": "E-S2", "amount": "300.00"},
                          headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (422, "P3")
    r = await client.post(url, json={**body, "person_id": "E-S2", "ground": "bad_luck"},
                          headers=GM_OFFICE)
    assert (r.status_code, r.json()["field"], r.json()["rule"]) == (422, "ground", "P4")
    r = await client.post(url, json={**body, "person_id": "E-S2", "level": "minor_demerit"},
                          headers=GM_OFFICE)
    assert r.status_code == 201 and r.json()["amount"] is None  # billing: 800 per base point
    r = await client.post(url, json={**body, "person_id": "E-S3", "level": "major_demerit",
                                     "amount": "3000.00"}, headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (422, "P3")  # the whole bonus: no amount
    r = await client.post(url, json={**body, "person_id": "E-S3", "level": "major_demerit"},
                          headers=GM_OFFICE)
    assert r.status_code == 201 and r.json()["amount"] is None
    r = await client.post(url, json={**body, "monthly_bonus": "3000.00"}, headers=GM_OFFICE)
    assert r.status_code == 422  # P3: the bonus is billing's register, not input
    r = await client.post(url, json=body, headers=GM_OFFICE)
    assert (r.status_code, r.json()["rule"]) == (409, "P3")  # the same decision again
    open_case = (await file(client))["case_no"]
    r = await client.post(f"/complaints/{open_case}/penalties/administrative", json=body,
                          headers=GM_OFFICE)
    assert r.status_code == 409


async def _approved_admin(client, case_no: str, person: str, ground: str = "other") -> dict:
    """An administrative penalty the GM office petitions and the GM approves (SPEC P3b)."""
    r = await client.post(f"/complaints/{case_no}/penalties/administrative", headers=GM_OFFICE,
                          json={"person_id": person, "department": "sales", "unit": "export",
                                "level": "warning", "ground": ground})
    assert r.status_code == 201, r.text
    r = await client.post(f"/penalty-decisions/{r.json()['id']}/approve", headers=GM)
    assert r.status_code == 200, r.text
    return r.json()


async def test_p8b_notices_drafted_then_gm_approved_before_their_copies_go_out(
    ns, app_client, clock,
) -> None:
    _, client, watchers = app_client
    async with stream_reader(ns, "complaints.penalty.published.v1") as published:
        case_no = await _closed(client, handling="allowance")
        await client.post(f"/complaints/{case_no}/penalties/economic", headers=GM_OFFICE,
                          json={"loss": "900.00", "parties": [
                              {"department": "sales", "unit": "export", "individual": "E-S1"},
                              {"department": "sales", "unit": "export", "individual": "E-S2"}]})
        await _approved_admin(client, case_no, "E-S1", "late_delivery")
        url = "/penalty-notices/publish"
        r = await client.post(url, params={"month": "2026-11"}, headers=GM_OFFICE)
        assert (r.status_code, r.json()["rule"]) == (409, "P8")  # November is not over
        assert (await client.post(url, params={"month": "2026-10"},
                                  headers=SALES)).status_code == 403

        clock.advance(timedelta(days=17))  # 3 December
        r = await client.post("/penalty-notices/draft", params={"month": "2026-11"},
                              headers=GM_OFFICE)
        assert r.status_code == 200, r.text
        drafts = {n["person_id"]: n for n in r.json()["notices"]}
        assert {p: (n["amount"], n["status"]) for p, n in drafts.items()} == {
            "E-S1": ("850.00", "draft"), "E-S2": ("450.00", "draft")}
        # SPEC P8b: a draft's copies do not go out, however often the month is published.
        r = await client.post(url, params={"month": "2026-11"}, headers=GM_OFFICE)
        assert r.status_code == 200 and r.json()["published"] == 0
        e_s1 = drafts["E-S1"]["notice_no"]
        r = await client.post(f"/penalty-notices/{e_s1}/publish", headers=GM_OFFICE)
        assert (r.status_code, r.json()["rule"]) == (409, "P8b")
        for who in (GM_OFFICE, VICE_GM):  # only the GM approves
            r = await client.post(f"/penalty-notices/{e_s1}/approve", headers=who)
            assert r.status_code == 403
        r = await client.post(f"/penalty-notices/{e_s1}/approve", headers=GM)
        assert (r.status_code, r.json()["status"], r.json()["approved_by"]) == (
            200, "approved", "E-GM")
        r = await client.post(f"/penalty-notices/{e_s1}/approve", headers=GM)
        assert (r.status_code, r.json()["rule"]) == (409, "P8b")
        r = await client.post(url, params={"month": "2026-11"}, headers=GM_OFFICE)
        assert r.status_code == 200 and r.json()["published"] == 1
        states = {n["person_id"]: n["status"] for n in r.json()["notices"]}
        assert states == {"E-S1": "published", "E-S2": "draft"}
        again = await client.post(url, params={"month": "2026-11"}, headers=GM_OFFICE)
        assert again.json()["published"] == 0 and len(again.json()["notices"]) == 2

        await eventually(lambda: _at_least(published, 1), within=10)
        first = {e["person_id"]: e for e in published}
        assert first["E-S1"]["amount"] == "850.00"
        assert (first["E-S1"]["economic_amount"], first["E-S1"]["administrative_amount"]) == (
            "450.00", "400.00")
        assert first["E-S1"]["case_no"] == case_no and first["E-S1"]["month"] == "2026-11"
        assert first["E-S1"]["bearer_kind"] == "person"
        assert len(first["E-S1"]["decision_ids"]) == 2
        assert first["E-S1"]["copies_to"] == ["gm_office", "accounting", "export"]
        assert "E-S2" not in first

        # December's decision is drafted by the watcher on 10 January; it goes out only
        # once the GM approves it.
        await _approved_admin(client, case_no, "E-S3")
        watcher = watchers[WATCHER]
        clock.advance(timedelta(days=37))  # 9 January, 02:00 UTC
        await watcher.tick()
        assert (await client.get("/penalty-notices", params={"month": "2026-12"},
                                 headers=ACCOUNTANT)).json()["notices"] == []
        clock.advance(timedelta(days=1))  # 10 January (Asia/Shanghai)
        await watcher.tick()
        await watcher.tick()
        dec = (await client.get("/penalty-notices", params={"month": "2026-12"},
                                headers=ACCOUNTANT)).json()["notices"]
        assert [(n["person_id"], n["amount"], n["status"]) for n in dec] == [
            ("E-S3", "400.00", "draft")]
        r = await client.post(f"/penalty-notices/{dec[0]['notice_no']}/approve", headers=GM)
        assert r.status_code == 200
        await watcher.tick()
        dec = (await client.get("/penalty-notices", params={"month": "2026-12"},
                                headers=ACCOUNTANT)).json()["notices"]
        assert dec[0]["status"] == "published" and dec[0]["deductions_to"] == "company"
        await eventually(lambda: _at_least(published, 2), within=10)
        assert len(published) == 2  # nothing published twice, no draft published


async def test_p3b_administrative_penalty_petitioned_approved_by_gm_published_by_hr(
    app_client, clock,
) -> None:
    _, client, _ = app_client
    case_no = await _closed(client, handling="allowance")
    r = await client.post(f"/complaints/{case_no}/penalties/administrative", headers=GM_OFFICE,
                          json={"person_id": "E-S4", "department": "sales", "unit": "export",
                                "level": "warning", "ground": "other"})
    assert (r.status_code, r.json()["status"]) == (201, "petitioned")
    decision = r.json()["id"]
    hr = f"/penalty-decisions/{decision}/hr-publication"
    r = await client.post(hr, headers=ADMIN)
    assert (r.status_code, r.json()["rule"]) == (409, "P3b")  # the GM has not approved
    for who in (GM_OFFICE, VICE_GM):
        assert (await client.post(f"/penalty-decisions/{decision}/approve",
                                  headers=who)).status_code == 403
    # An unapproved petition is not noticed.
    clock.advance(timedelta(days=17))
    r = await client.post("/penalty-notices/draft", params={"month": "2026-11"},
                          headers=GM_OFFICE)
    assert [n["person_id"] for n in r.json()["notices"]] == []
    r = await client.post(f"/penalty-decisions/{decision}/approve", headers=GM)
    assert (r.status_code, r.json()["status"], r.json()["approved_by"]) == (
        200, "approved", "E-GM")
    assert (await client.post(f"/penalty-decisions/{decision}/approve",
                              headers=GM)).status_code == 409
    assert (await client.post(hr, headers=GM_OFFICE)).status_code == 403  # HR publishes
    r = await client.post(hr, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert r.json()["hr_publication_no"] and r.json()["hr_published_by"] == "E-AD"
    r = await client.post(hr, headers=ADMIN)
    assert (r.status_code, r.json()["rule"]) == (409, "P3b")  # once
    r = await client.post("/penalty-notices/draft", params={"month": "2026-11"},
                          headers=GM_OFFICE)
    assert [(n["person_id"], n["amount"]) for n in r.json()["notices"]] == [
        ("E-S4", "400.00")]


async def test_p8b_rewards_listed_on_the_same_notice_beside_penalties(app_client, clock
                                                                       ) -> None:
    _, client, _ = app_client
    case_no = await _closed(client, handling="allowance")
    await _approved_admin(client, case_no, "E-S5")
    body = {"person_id": "E-S5", "department": "sales", "unit": "export",
            "reason": "found the root cause", "amount": "300.00"}
    r = await client.post("/rewards", headers=GM_OFFICE, json=body)
    assert r.status_code == 201, r.text
    r = await client.post("/rewards", headers=GM_OFFICE, json={
        "person_id": "E-S6", "department": "service", "unit": "repairs",
        "reason": "praised by the customer", "commendation": "commendation"})
    assert r.status_code == 201, r.text
    r = await client.post("/rewards", headers=GM_OFFICE, json={**body, "amount": None})
    assert (r.status_code, r.json()["rule"]) == (422, "P8b")  # money or a commendation
    assert (await client.post("/rewards", headers=SALES, json=body)).status_code == 403
    clock.advance(timedelta(days=17))
    r = await client.post("/penalty-notices/draft", params={"month": "2026-11"},
                          headers=GM_OFFICE)
    found = {n["person_id"]: n for n in r.json()["notices"]}
    # The reward is beside the penalty, never netted against it (not a deduction).
    assert (found["E-S5"]["amount"], found["E-S5"]["reward_amount"]) == ("400.00", "300.00")
    assert found["E-S5"]["rewards"][0]["reason"] == "found the root cause"
    assert (found["E-S6"]["amount"], found["E-S6"]["reward_amount"]) == ("0.00", "0.00")
    assert found["E-S6"]["rewards"][0]["commendation"] == "commendation"


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n


async def test_c9_10_statistics_of_closed_cases_available_from_1st_final_from_10th(
    app_client, clock,
) -> None:
    _, client, _ = app_client
    await _closed(client, handling="allowance")
    await _closed(client, handling="allowance", classification="non_quality")
    other = (await file(client))["case_no"]
    await step(client, other, "registration", GM_OFFICE)
    await step(client, other, "qa_analysis", QA, cause="c", responsible_unit="packing",
               rnd_required=False)
    await step(client, other, "manufacturing_countermeasure", token("manufacturing"),
               countermeasure="m")
    await step(client, other, "sales_negotiation", SALES, handling="allowance", amount="10")
    await step(client, other, "consolidation", GM_OFFICE, summary="s", loss_amount="10.00")
    await step(client, other, "approval", SALES_MANAGER, approved=True)
    await step(client, other, "execution", SALES)
    await file(client)  # still open: not counted

    url, month = "/statistics", {"month": "2026-11"}
    running = (await client.get(url, params=month, headers=GM_OFFICE)).json()
    assert running["provisional"] is True and running["final"] is False  # the month runs on
    assert running["total"] == 3
    clock.advance(timedelta(days=16))  # 2 December
    table = (await client.get(url, params=month, headers=GM_OFFICE)).json()
    assert table["final"] is False and table["provisional"] is False and table["total"] == 3
    assert table["by_classification"] == {"non_quality": 1, "quality": 2, "service": 0}
    assert table["by_unit"] == [
        {"unit": "assembly", "count": 2, "share": "66.67", "loss": "0.00"},
        {"unit": "packing", "count": 1, "share": "33.33", "loss": "10.00"},
    ]
    clock.advance(timedelta(days=8))  # 10 December
    assert (await client.get(url, params=month, headers=GM_OFFICE)).json()["final"] is True
    assert (await client.get(url, params={"month": "2026-13"},
                             headers=GM_OFFICE)).status_code == 422


async def test_p3b_p8b_the_gm_approves_petitions_and_notices_on_the_console_page(
    app_client, clock,
) -> None:
    _, client, _ = app_client
    case_no = await _closed(client, handling="allowance")
    r = await client.post(f"/complaints/{case_no}/penalties/administrative", headers=GM_OFFICE,
                          json={"person_id": "E-S7", "department": "sales", "unit": "export",
                                "level": "warning", "ground": "other"})
    decision = r.json()["id"]
    page = await client.get("/penalty-approvals?lang=zh-Hant", headers=GM)
    assert page.status_code == 200 and f'data-decision="{decision}"' in page.text
    assert "待總經理核准的行政處罰" in page.text
    assert (await client.get("/penalty-approvals", headers=GM_OFFICE)).status_code == 403
    r = await client.post(f"/penalty-approvals/decisions/{decision}", headers=GM)
    assert r.status_code == 303, r.text
    clock.advance(timedelta(days=17))
    r = await client.post("/penalty-notices/draft", params={"month": "2026-11"},
                          headers=GM_OFFICE)
    notice_no = r.json()["notices"][0]["notice_no"]
    page = await client.get("/penalty-approvals?lang=en", headers=GM)
    assert f'data-notice="{notice_no}" data-status="draft"' in page.text
    r = await client.post(f"/penalty-approvals/notices/{notice_no}", headers=GM)
    assert r.status_code == 303, r.text
    page = await client.get("/penalty-approvals?month=2026-11&lang=en", headers=GM)
    assert f'data-notice="{notice_no}" data-status="approved"' in page.text
