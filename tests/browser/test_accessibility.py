"""axe-core on the main pages (login, clerk home, board, technician pages, accountant
home): no violation of impact "serious" or "critical". A call is registered and assigned
on the way, so the board and the technician's pages are checked with their rows and
forms (assign, arrive, complete with the signature pad), not empty."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, expect

from .conftest import PHONE
from .flows import (
    clerk_registers_call,
    open_board,
    supervisor_assigns,
    technician_arrives,
    technician_opens_voucher,
)

pytestmark = pytest.mark.e2e

SERIOUS = {"serious", "critical"}


async def _check(console, page: Page, what: str) -> list[str]:
    await expect(page.locator("main#main")).to_be_visible()
    await console.shot(page, f"axe-{what}")
    results = await Axe().run(page)
    found = []
    for v in results.response["violations"]:
        if v.get("impact") in SERIOUS:
            targets = [", ".join(n["target"]) for n in v["nodes"]][:5]
            found.append(f"{what} {page.url}: {v['impact']} {v['id']}: {v['help']} {targets}")
    return found


async def test_main_pages_have_no_serious_accessibility_violation(console) -> None:
    system = console.system
    found: list[str] = []

    page = await console.person()
    await page.goto(system.url("intake", "/login"))
    found += await _check(console, page, "login")

    supervisor = await console.person()
    await open_board(console, supervisor)

    clerk = await console.person()
    await console.sign_in(clerk, "C01")
    await expect(clerk).to_have_url(system.url("intake", "/"))
    found += await _check(console, clerk, "clerk-home")
    job = await clerk_registers_call(console, clerk, system.customers[1], "door will not lock")
    found += await _check(console, clerk, "call-registered")

    await expect(supervisor.locator(f'#board [data-voucher="{job.voucher_no}"]')).to_be_visible()
    found += await _check(console, supervisor, "board")
    await supervisor_assigns(console, supervisor, job)

    technician = await console.person(viewport=PHONE)
    await console.sign_in(technician, "T01")
    await expect(technician).to_have_url(system.url("dispatch", "/my"))
    await technician_opens_voucher(console, technician, job)
    found += await _check(console, technician, "technician-voucher")
    await technician_arrives(console, technician)
    found += await _check(console, technician, "technician-complete-form")
    await technician.goto(system.url("dispatch", "/my"))
    found += await _check(console, technician, "technician-my")

    accountant = await console.person()
    await console.sign_in(accountant, "A01")
    await expect(accountant).to_have_url(system.url("billing", "/"))
    found += await _check(console, accountant, "accountant-home")

    assert not found, "serious accessibility violations:\n" + "\n".join(found)
