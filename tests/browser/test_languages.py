"""The same on-site flow in zh-Hans and in en (``?lang=``, remembered): the pages speak
the chosen language (checked on translated headings, the only place text is matched)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from .flows import on_site_job

pytestmark = pytest.mark.e2e

HEADINGS = {
    # language: (the technician's voucher page h1, the sign-in page h1)
    "zh-Hans": ("服务凭证", "登录"),
    "en": ("Service voucher", "Sign in"),
}


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
async def test_the_on_site_flow_in_each_language(console, lang: str) -> None:
    voucher_heading, sign_in_heading = HEADINGS[lang]
    job, people = await on_site_job(console, lang=lang)

    tech = people["technician"]
    await tech.goto(console.system.url("dispatch", f"/my/vouchers/{job.voucher_no}"))
    await expect(tech.locator("html")).to_have_attribute("lang", lang)
    await expect(tech.locator("main h1")).to_contain_text(voucher_heading)
    await console.shot(tech, f"voucher-{lang}")

    for page in people.values():  # remembered on every page of every service
        await expect(page.locator("html")).to_have_attribute("lang", lang)

    anonymous = await console.person(locale="en-US" if lang != "en" else "zh-CN")
    await anonymous.goto(console.system.url("billing", f"/login?lang={lang}"))
    await expect(anonymous.locator("main h1")).to_have_text(sign_in_heading)
    await console.shot(anonymous, f"login-{lang}")
