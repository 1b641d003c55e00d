"""Issue 11 on survey's staff routes: a card is read and keyed in only within the caller's
branch, the day's list covers the caller's branch (every branch for the head office),
and bad input is a 4xx naming the field, never a 500."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.helpers import eventually, token
from tests.survey.support import DEPT, Survey, registered, survey_app

pytestmark = pytest.mark.integration

FRIDAY = datetime.fromisoformat("2026-03-13T08:00:00+08:00")
GOOD = {"attitude": 4, "skill": 4, "arrival": 3, "follow_through": 4}
SC01_SUPERVISOR = token("supervisor", "S01", "SC01")
SC02_SUPERVISOR = token("supervisor", "S21", "SC02")
SC02_DEPT = token("service_dept", "D21", "SC02")


async def _two_branches(s: Survey) -> dict[str, dict]:
    await s.publish(registered(1, "2026-03-13T10:00:00+08:00"))
    await s.publish(registered(2, "2026-03-13T10:30:00+08:00", branch="SC02"))

    async def ready() -> dict[str, dict] | None:
        r = await s.client.get("/survey-cards", params={"date": "2026-03-13"}, headers=DEPT)
        assert r.status_code == 200, r.text
        cards = {c["branch"]: c for c in r.json()}
        return cards if set(cards) == {"SC01", "SC02"} else None

    return await eventually(ready)


async def test_cards_are_read_and_answered_only_within_the_callers_branch(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        cards = await _two_branches(s)
        sc01 = cards["SC01"]["id"]
        assert (await s.client.get(f"/survey-cards/{sc01}",
                                   headers=SC01_SUPERVISOR)).status_code == 200
        r = await s.client.get(f"/survey-cards/{sc01}", headers=SC02_SUPERVISOR)
        assert r.status_code == 403 and r.json()["field"] == "branch"
        r = await s.client.post(f"/survey-cards/{sc01}/answers", json=GOOD, headers=SC02_DEPT)
        assert r.status_code == 403
        assert (await s.card(sc01))["status"] == "pending"  # nothing written

        # The list: the caller's own branch unless named; the head office sees them all.
        def listed(headers: dict, **params: str):
            return s.client.get("/survey-cards", params={"date": "2026-03-13", **params},
                                headers=headers)

        assert [c["branch"] for c in (await listed(SC01_SUPERVISOR)).json()] == ["SC01"]
        assert [c["branch"] for c in (await listed(SC02_SUPERVISOR)).json()] == ["SC02"]
        assert [c["branch"] for c in (await listed(SC02_DEPT)).json()] == ["SC02"]
        assert (await listed(SC02_SUPERVISOR, branch="SC01")).status_code == 403
        assert sorted(c["branch"] for c in (await listed(DEPT)).json()) == ["SC01", "SC02"]
        assert [c["branch"] for c in (await listed(DEPT, branch="SC02")).json()] == ["SC02"]


async def test_bad_input_is_a_4xx_naming_the_field(ns) -> None:
    async with survey_app(ns, now=FRIDAY) as s:
        cards = await _two_branches(s)
        card = cards["SC01"]["id"]
        for path in ("/survey-cards/2147483648", "/survey-cards/-1",
                     "/survey-cards/99999999999999999999999"):
            r = await s.client.get(path, headers=DEPT)
            assert r.status_code in (404, 422), (path, r.status_code, r.text)
            r = await s.client.post(f"{path}/answers", json=GOOD, headers=DEPT)
            assert r.status_code in (404, 422), (path, r.status_code, r.text)

        url = f"/survey-cards/{card}/answers"
        for field, value in [("attitude", True), ("skill", "3"), ("arrival", 3.0),
                             ("follow_through", 2**70), ("comment", "ok\x00"),
                             ("comment", "x" * 5000)]:
            r = await s.client.post(url, json={**GOOD, field: value}, headers=DEPT)
            assert r.status_code == 422, (field, value, r.text)
            assert r.json()["field"] == field
        r = await s.client.post(url, json={**GOOD, "complaint": {"severity": "general",
                                                                 "text": "bad\x07bell"}},
                                headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "complaint.text"
        assert (await s.card(card))["status"] == "pending"  # nothing written

        for day in ("0001-01-01", "1999-12-31", "9999-12-31"):
            r = await s.client.get("/survey-cards", params={"date": day}, headers=DEPT)
            assert r.status_code == 422 and r.json()["field"] == "date", (day, r.text)
        for month in ("0000-01", "9999-12", "2026-03-01"):
            r = await s.client.get("/technicians/T01/scores", params={"month": month},
                                   headers=DEPT)
            assert r.status_code == 422 and r.json()["field"] == "month", (month, r.text)
            r = await s.client.get("/rankings", params={"branch": "SC01", "month": month},
                                   headers=DEPT)
            assert r.status_code == 422 and r.json()["field"] == "month", (month, r.text)
        r = await s.client.get(f"/technicians/{'T' * 100}/scores", params={"month": "2026-03"},
                               headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "technician_id"
        r = await s.client.get("/rankings", params={"branch": "NOPE", "month": "2026-03"},
                               headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "branch"

        # The link page: a forged or absurd token is "not valid", never a 500.
        for bad in ("1.2.3.4", f"{'9' * 5000}.1.x.y", "%00"):
            r = await s.client.get(f"/s/{bad}")
            assert r.status_code == 403 and "<html" in r.text
