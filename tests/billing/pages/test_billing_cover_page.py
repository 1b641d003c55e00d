"""The console's claims and replacements page (issue 13 item 4; SPEC E4, E5): the
accountant submits a claim, the branch manager approves a replacement, both in the page."""

from __future__ import annotations

import pytest

from tests.helpers import eventually, token

from ..api.test_billing_cover import _b, _covered_call
from ..api.test_billing_returns import copy
from .test_billing_pages import sign_in

pytestmark = pytest.mark.integration

ACCOUNTANT = token("accountant", "A01")


async def _json(console, url: str, **params):
    r = await console.client.get(url, headers=ACCOUNTANT, params=params)
    return r.json() if r.status_code == 200 and r.json() else None


async def test_e5_e4_claim_submitted_and_replacement_approved_in_the_page(console) -> None:
    await _covered_call(console, "SC01-V-950", 950)
    await console.publish(_b("SC01-V-950", component="display", cause="defect",
                             repairable=False))
    [claim] = await eventually(lambda: _json(console, "/claims", voucher_no="SC01-V-950"))
    await eventually(lambda: _json(console, "/replacements", status="pending"))
    cookies, csrf = await sign_in(console, "A01")
    page = await console.client.get("/cover", cookies=cookies)
    assert page.status_code == 200 and claim["claim_no"] in page.text
    assert 'data-action="submit-claim"' in page.text
    assert 'data-action="approve-replacement"' not in page.text  # the manager decides
    r = await console.client.post(f"/cover/claims/{claim['claim_no']}/submit", cookies=cookies,
                                  data={"provider_ref": "EWP-5", "csrf_token": csrf})
    assert r.status_code == 303
    assert (await _json(console, f"/claims/{claim['claim_no']}"))["status"] == "submitted"
    cookies, csrf = await sign_in(console, "M01")
    page = await console.client.get("/cover", cookies=cookies)
    assert 'data-action="approve-replacement"' in page.text
    r = await console.client.post("/cover/replacements/RR-SC01-V-950", cookies=cookies,
                                  data={"decision": "approve", "note": "no panel",
                                        "csrf_token": csrf})
    assert r.status_code == 303
    request = await _json(console, "/replacements/RR-SC01-V-950")
    assert (request["status"], request["decided_by"]) == ("approved", "M01")


async def test_c13_1_2b_branch_manager_approves_a_retail_return_slip_in_the_page(
        console) -> None:
    await console.publish(copy("260390", quantity=3, amount="120.00").model_copy(
        update={"profile": "retail", "branch": "SC01"}))
    await eventually(lambda: _json(console, "/return-slips/RS-260390"))
    cookies, csrf = await sign_in(console, "M01")
    page = await console.client.get("/cover", cookies=cookies)
    assert 'data-action="approve-slip"' in page.text and "RS-260390" in page.text
    r = await console.client.post("/cover/return-slips/RS-260390/approve", cookies=cookies,
                                  data={"csrf_token": csrf})
    assert r.status_code == 303
    slip = await _json(console, "/return-slips/RS-260390")
    assert (slip["status"], slip["approved_by"]) == ("awaiting_receipt", "M01")
    page = await console.client.get("/cover", cookies=cookies)
    assert "RS-260390" not in page.text
