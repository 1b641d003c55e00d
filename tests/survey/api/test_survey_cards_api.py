"""SPEC Q24/S24 against real NATS and PostgreSQL: a card for every call of the day, with
the technician who served it, sent the next morning; cancelled calls' cards kept."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.helpers import eventually, token
from tests.survey.support import (
    DEPT,
    assigned,
    cancelled,
    completed,
    registered,
    survey_app,
    voucher,
)

pytestmark = pytest.mark.integration

FRIDAY_MORNING = datetime.fromisoformat("2026-03-13T08:00:00+08:00")


async def test_q24_a_day_of_calls_yields_one_card_per_call_sent_next_morning(ns) -> None:
    async with survey_app(ns, now=FRIDAY_MORNING) as s:
        # Call 2's assignment travels ahead of its registration; call 1 is reassigned and
        # the later assignment arrives first; call 3 is completed by another technician.
        await s.publish(assigned(2, "T02", "2026-03-13T09:30:00+08:00"))
        day = ["2026-03-13T09:00:00+08:00", "2026-03-13T09:10:00+08:00",
               "2026-03-13T11:00:00+08:00", "2026-03-13T15:00:00+08:00",
               "2026-03-13T23:50:00+08:00"]
        for n, at in enumerate(day, start=1):
            await s.publish(registered(n, at))
        await s.publish(registered(6, "2026-03-14T00:10:00+08:00"))  # the next day
        await s.publish(assigned(1, "T03", "2026-03-13T10:00:00+08:00"))
        await s.publish(assigned(1, "T01", "2026-03-13T09:20:00+08:00"))  # older: loses
        await s.publish(assigned(3, "T01", "2026-03-13T11:30:00+08:00"))
        await s.publish(completed(3, "T02", "2026-03-13T14:00:00+08:00"))
        await s.publish(assigned(3, "T03", "2026-03-13T13:00:00+08:00"))  # after completion
        await s.publish(cancelled(4))

        expected = {voucher(1): ("T03", "pending"), voucher(2): ("T02", "pending"),
                    voucher(3): ("T02", "pending"), voucher(4): (None, "cancelled"),
                    voucher(5): (None, "pending")}

        async def day_done() -> list[dict] | None:
            cards = await s.cards("2026-03-13")
            seen = {c["voucher_no"]: (c["technician_id"], c["status"]) for c in cards}
            return cards if seen == expected else None

        cards = await eventually(day_done)
        assert [c["call_id"] for c in cards] == [1, 2, 3, 4, 5]
        assert {"id", "call_id", "voucher_no", "technician_id", "status"} <= set(cards[0])
        assert [c["voucher_no"] for c in await s.cards("2026-03-14")] == [voucher(6)]

        # Not yet: the cards wait for the branch's next morning.
        await s.send_cards_at(datetime.fromisoformat("2026-03-14T08:59:00+08:00"))
        assert {c["status"] for c in await s.cards("2026-03-13")} == {"pending", "cancelled"}

        await s.send_cards_at(datetime.fromisoformat("2026-03-14T09:00:00+08:00"))
        sent = {c["voucher_no"]: c["status"] for c in await s.cards("2026-03-13")}
        assert sent == {voucher(1): "sent", voucher(2): "sent", voucher(3): "sent",
                        voucher(4): "cancelled", voucher(5): "sent"}
        assert [c["status"] for c in await s.cards("2026-03-14")] == ["pending"]

        first = await s.card(cards[0]["id"])
        assert first["link"].startswith("/s/")
        assert first["sent_at"] == "2026-03-14T01:00:00Z"
        assert first["link_expires_at"] == "2026-03-28T01:00:00Z"  # [choice] 14 days
        withdrawn = await s.card(cards[3]["id"])
        assert withdrawn["status"] == "cancelled" and withdrawn["link"] is None


async def test_q24_card_list_checks_roles_branch_and_input(ns) -> None:
    async with survey_app(ns, now=FRIDAY_MORNING) as s:
        params = {"date": "2026-03-13", "branch": "SC01"}
        assert (await s.client.get("/survey-cards", params=params)).status_code == 401
        r = await s.client.get("/survey-cards", params=params, headers=token("technician", "T01"))
        assert r.status_code == 403
        r = await s.client.get("/survey-cards", params=params,
                               headers=token("supervisor", "S09", "SC02"))
        assert r.status_code == 403
        r = await s.client.get("/survey-cards", params={**params, "branch": "NOPE"},
                               headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "branch"
        r = await s.client.get("/survey-cards", params={**params, "date": "13/03"},
                               headers=DEPT)
        assert r.status_code == 422 and r.json()["field"] == "date"
        r = await s.client.get("/survey-cards/999", headers=DEPT)
        assert r.status_code == 404
        r = await s.client.get("/survey-cards", params=params, headers=token("supervisor", "S01"))
        assert r.status_code == 200 and r.json() == []
