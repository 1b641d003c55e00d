"""Sign-in through the pages: one session cookie for every service, sign-out, and a
wrong password (CONTRACT "Console")."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.e2e

SIGN_OUT = 'form[action="/logout"] [type="submit"]'


async def test_the_clerk_signs_in_and_lands_on_the_clerk_home(console) -> None:
    intake = console.system.url("intake")
    page = await console.person()
    await console.sign_in(page, "C01")
    await expect(page).to_have_url(intake + "/")
    await expect(page.locator(SIGN_OUT)).to_be_visible()
    await console.shot(page, "clerk-home")


async def test_the_session_works_on_dispatch_and_sign_out_ends_it(console) -> None:
    dispatch = console.system.url("dispatch")
    page = await console.person()
    await console.sign_in(page, "S01")  # on intake's sign-in form
    await expect(page).to_have_url(dispatch + "/")  # the supervisor's home is the board
    await expect(page.locator("#board")).to_be_attached()
    await console.shot(page, "board-after-sign-in-on-intake")

    # The clerk's navigation leads to dispatch, on this test's ports, with the same session.
    clerk = await console.person()
    await console.sign_in(clerk, "C01")
    link = clerk.locator(f'nav a[href="{dispatch}/"]')
    await expect(link).to_be_visible()
    async with clerk.expect_response(dispatch + "/") as answer:
        await link.click()
    assert (await answer.value).status == 200, "the clerk's link to dispatch is refused"
    await expect(clerk).to_have_url(dispatch + "/")
    await expect(clerk.locator(SIGN_OUT)).to_be_visible()
    await console.shot(clerk, "clerk-on-dispatch")

    await page.locator(SIGN_OUT).click()
    await expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    await console.shot(page, "signed-out")
    for service in ("dispatch", "intake"):
        await page.goto(console.system.url(service, "/"))
        await expect(page).to_have_url(re.compile(r"/login\?next="))
        await expect(page.locator("#user")).to_be_visible()
    await console.shot(page, "after-sign-out-back-to-login")


async def test_a_wrong_password_shows_an_error(console) -> None:
    page = await console.person()
    await console.sign_in(page, "C01", password="not-the-password")
    await expect(page).to_have_url(re.compile(r"/login"))
    await expect(page.locator('.error[role="alert"]')).to_be_visible()
    await expect(page.locator(SIGN_OUT)).to_have_count(0)
    assert not [c for c in await page.context.cookies() if c["name"] == "aftersales_session"]
    await console.shot(page, "wrong-password")
