"""No page or PDF loads anything from outside the system (issue 12, "Done when"). Runs
last (by name): every browser test's requests went through the same blocker."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .conftest import Console, LeftTheMachine

pytestmark = pytest.mark.e2e


async def test_the_blocker_stops_and_records_a_request_to_the_outside(browser, system) -> None:
    own = LeftTheMachine()
    console = Console(browser, system, "blocker-self-test", own)
    try:
        page = await console.person()
        await page.goto(system.url("intake", "/login"))
        failed = await page.evaluate(
            "fetch('http://192.0.2.1/outside.js').then(() => false, () => true)")
        assert failed is True
        assert own.requests == ["http://192.0.2.1/outside.js"]
    finally:
        await console.close()


async def test_the_api_docs_load_only_local_assets(console) -> None:
    page = await console.person()
    for service in ("intake", "dispatch", "billing"):
        await page.goto(console.system.url(service, "/docs"))
        await expect(page.locator(".swagger-ui .info")).to_be_visible()
        await console.shot(page, f"docs-{service}")


def test_no_request_left_the_machine_in_any_browser_test(left_the_machine) -> None:
    assert not left_the_machine.requests, (
        "requests to outside the machine (blocked):\n" + "\n".join(left_the_machine.requests))
