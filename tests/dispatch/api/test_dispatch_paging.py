"""CONTRACT "Lists" on dispatch's escalations (``GET /escalations``): ``limit`` (default
100, at most 1000) and a ``Link: rel="next"`` to follow; walking the links gives the unpaged
list, by the moment each repair became late then by card, with no gap or repeat, and the
last page has no link (issue 17)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.dispatch.app import create_app as dispatch_app
from shared.clock import FixedClock
from tests.dispatch.support import SUPERVISOR, T01, at, issue_voucher, on_site
from tests.helpers import list_pages, running, token

pytestmark = pytest.mark.integration

MONDAY_NOON = at("2026-03-16T12:00:00+08:00")
AS_OF = "2026-03-19T00:00:00+08:00"  # both promised days (17th, 18th) have ended


async def walk(client: httpx.AsyncClient, url: str, headers: dict[str, str],
               **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every row of a list, following ``Link: rel="next"`` to the end; and the pages read."""
    pages = await list_pages(client, url, headers=headers, params=params)
    return [row for page in pages for row in page], len(pages)


async def test_escalations_page_by_lateness_then_card(ns) -> None:
    app = dispatch_app(ns.settings("dispatch"), clock=FixedClock(MONDAY_NOON))
    async with running(app) as dispatch:
        promised = ["2026-03-18", "2026-03-17", "2026-03-18", "2026-03-17", "2026-03-17"]
        made = []
        for n, day in enumerate(promised, 1):
            no = await issue_voucher(app, dispatch, n)
            await on_site(dispatch, no)
            r = await dispatch.post(f"/vouchers/{no}/carry-in", headers=T01,
                                    json={"promised_on": day, "signed_by": "x"})
            assert r.status_code == 201, r.text
            made.append(no)
        no_card = await issue_voucher(app, dispatch, 9)  # a voucher never carried in
        query = {"branch": "SC01", "as_of": AS_OF}
        everything = (await dispatch.get("/escalations", params=query,
                                         headers=SUPERVISOR)).json()
        # late on the 17th's end first (in card order), then the 18th's: not id order
        assert [e["voucher_no"] for e in everything] == [made[i] for i in (1, 3, 4, 0, 2)]
        for limit in (1, 2, 3, 5, 6):
            rows, pages = await walk(dispatch, "/escalations", SUPERVISOR, limit=limit,
                                     **query)
            assert rows == everything, limit
            assert pages == -(-5 // limit)
        first = await dispatch.get("/escalations", params={**query, "limit": 2},
                                   headers=SUPERVISOR)
        assert first.headers["link"].endswith(f'after={made[3]}>; rel="next"')

        for bad in (0, 1001):
            r = await dispatch.get("/escalations", params={**query, "limit": bad},
                                   headers=SUPERVISOR)
            assert r.status_code == 422, (bad, r.text)
        for bad in ("", "SC01 V1", "x" * 49, "SC01-V1\u0000"):
            r = await dispatch.get("/escalations", params={**query, "after": bad},
                                   headers=SUPERVISOR)
            assert r.status_code == 422 and "after" in r.text, (bad, r.text)
        for after in ("SC01-V999999", no_card):  # unknown, or with no repair card
            r = await dispatch.get("/escalations", params={**query, "after": after},
                                   headers=SUPERVISOR)
            assert (r.status_code, r.json()["field"]) == (422, "after"), r.text
        other = token("supervisor", "S21", "SC02")  # another branch's board: refused as before
        r = await dispatch.get("/escalations", headers=other,
                               params={**query, "limit": 2, "after": made[1]})
        assert r.status_code in (403, 404), r.text
        assert (await dispatch.get("/escalations", params={**query, "limit": 2},
                                   headers=T01)).status_code == 403
