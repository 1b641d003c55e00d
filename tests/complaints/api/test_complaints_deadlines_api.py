"""Deadlines: a reminder the moment a step goes overdue, once; follow-ups for late closure.

SPEC C9.4 (step times), C10 (case time), C14 (reminder slip 催辦單, follow-up slip 洽辦單),
C9.3 (QA reports within 3 days of its investigation).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.complaints.app import create_app
from services.complaints.service.reminders import WATCHER
from shared.clock import FixedClock
from tests.helpers import eventually, running

from ..support import (
    GM_OFFICE,
    MFG,
    QA,
    SALES,
    SALES_MANAGER,
    file,
    step,
    stream_reader,
    watchers_by_hand,
)

pytestmark = pytest.mark.integration


async def test_c14_reminder_appears_within_seconds_of_the_step_deadline(ns) -> None:
    # CT1: a receipt 12 h old is within a 13 h claim window (the default is 8 h).
    settings = ns.settings("complaints", claim_window_hours=13)
    async with running(create_app(settings)) as client, \
            stream_reader(ns, "complaints.step.overdue.v1") as reminders:
        # C9.4: registration has ½ day; received 12 h minus 2 s ago, it falls due in 2 s.
        received = datetime.now(UTC) - timedelta(hours=12) + timedelta(seconds=2)
        filed = await file(client, received_at=received.isoformat())
        due = datetime.fromisoformat(filed["step_due_at"])
        assert due == received + timedelta(hours=12)

        async def reminded():
            return [r for r in reminders if r["case_no"] == filed["case_no"]]

        slip = (await eventually(reminded, within=10))[0]
        assert slip["kind"] == "step" and slip["step"] == "registration"
        assert slip["owner_role"] == "gm_office"
        assert datetime.fromisoformat(slip["due_at"]) == due
        assert datetime.fromisoformat(slip["occurred_at"]) - due < timedelta(seconds=3)

        case = (await client.get(f"/complaints/{filed['case_no']}", headers=GM_OFFICE)).json()
        assert [(r["kind"], r["step"]) for r in case["reminders"]] == [("step", "registration")]
        late = await client.get("/complaints/overdue", headers=GM_OFFICE)
        assert [(o["case_no"], o["kind"]) for o in late.json()] == [(filed["case_no"], "step")]


T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


async def test_c14_each_deadline_reminded_once_and_late_closure_gets_followup(ns) -> None:
    clock = FixedClock(T0)
    app = create_app(ns.settings("complaints"), clock=clock)
    watcher = watchers_by_hand(app)[WATCHER]
    async with running(app) as client:
        case_no = (await file(client, market="domestic", received_at=T0.isoformat()))["case_no"]
        clock.advance(timedelta(hours=13))
        await watcher.tick()
        await watcher.tick()
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        assert [(r["kind"], r["step"]) for r in case["reminders"]] == [("step", "registration")]

        await step(client, case_no, "registration", GM_OFFICE)  # late by an hour
        registered = clock.now()
        await step(client, case_no, "qa_analysis", QA, cause="mislabelled carton",
                   responsible_unit="packing", rnd_required=False,
                   cause_category="human_negligence",
                   investigated_at=(registered - timedelta(days=4)).isoformat())
        clock.advance(timedelta(days=14))  # past the case's 13 days (C10)
        await watcher.tick()
        as_of = clock.now().isoformat()
        overdue = (await client.get("/complaints/overdue", params={"as_of": as_of},
                                    headers=GM_OFFICE)).json()
        assert sorted(o["kind"] for o in overdue) == ["case", "step"]
        assert {o["current_step"] for o in overdue} == {"manufacturing_countermeasure"}
        await watcher.tick()
        case = (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()
        assert [(r["kind"], r["step"]) for r in case["reminders"]] == [
            ("step", "registration"), ("step", "manufacturing_countermeasure"),
            ("case", "manufacturing_countermeasure"),
        ]

        await step(client, case_no, "manufacturing_countermeasure", MFG, countermeasure="retrain")
        await step(client, case_no, "sales_negotiation", SALES, handling="allowance",
                   amount="800.00")
        await step(client, case_no, "consolidation", GM_OFFICE, summary="allowance")
        await step(client, case_no, "approval", SALES_MANAGER, approved=True)
        closed = await step(client, case_no, "execution", SALES)
        assert closed["status"] == "closed"
        slips = [(f["kind"], f["step"], f["owner_role"]) for f in closed["followups"]]
        # C9.3: QA reported 4 days after investigating; C14: the late steps and the case.
        assert slips == [
            ("step", "registration", "gm_office"),
            ("step", "qa_analysis", "qa"),
            ("step", "manufacturing_countermeasure", "manufacturing"),
            ("step", "execution", "sales"),  # its only deadline is the case's (C10)
            ("case", None, "gm_office"),
        ]
        assert closed["improvement"]["required"] is False  # C9.7: human negligence exempt
        assert (await client.get("/complaints/overdue", params={"as_of": as_of},
                                 headers=GM_OFFICE)).json() == []
