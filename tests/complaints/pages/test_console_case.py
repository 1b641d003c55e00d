"""The case page (issue 14): filing data and timeline, the current step's form generated
from the profile's step fields (a company's own profile included), the approval with the
amount and the approver the matrix requires (C9.4), petitions (C9.12) and their decision,
the appeal (C9.9), filing from the page (C9.1), and the five-copy form PDF (C9.8)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from services.complaints.app import create_app
from tests.complaints.support import (
    ADMIN,
    FILING,
    GM,
    GM_OFFICE,
    MFG,
    QA,
    SALES,
    VICE_GM,
    file,
    step,
    walk_to_approval,
)
from tests.helpers import layout_text, running, token

pytestmark = pytest.mark.integration


async def _form(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                expect: int = 303, **data: Any) -> httpx.Response:
    """Post a page's form (a bearer token needs no CSRF field) and check the answer."""
    r = await client.post(url, data=data, headers=headers)
    assert r.status_code == expect, r.text
    return r


async def _case(client: httpx.AsyncClient, case_no: str) -> dict[str, Any]:
    return (await client.get(f"/complaints/{case_no}", headers=GM_OFFICE)).json()



async def test_c9_4_the_manufacturer_chain_is_worked_from_the_case_page(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        new = await client.get("/new?lang=en", headers=SALES)
        assert new.status_code == 200 and 'id="complaint-form"' in new.text
        assert '<option value="manufacturer"' in new.text
        assert 'for="c-customer"' in new.text
        filed = await _form(client, "/new", SALES, profile="manufacturer", market="foreign",
                            classification="quality", customer="Acme GmbH", order_no="SO-1",
                            part_no="PN-1", ship_date="2026-10-20", quantity="500",
                            defective_quantity="", demand="replace the units",
                            customer_email="buyer@acme.example", customer_language="en")
        case_no = filed.headers["location"].rsplit("/", 1)[1]
        assert (await _case(client, case_no))["defective_quantity"] is None  # C9.1: open

        page = await client.get(f"/cases/{case_no}?lang=en", headers=QA)
        assert "Acme GmbH" in page.text and "SO-1" in page.text and "replace the units" in page.text
        assert 'id="step-form"' not in page.text  # registration is the GM office's

        url = f"/cases/{case_no}/steps/"
        await _form(client, url + "registration", GM_OFFICE, note="numbered")
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=QA)).text
        for name in ("cause", "responsible_unit", "rnd_required", "cause_category"):
            assert f'name="{name}"' in page
        assert (await client.post(url + "qa_analysis", headers=MFG, data={
            "cause": "x"})).status_code == 403
        await _form(client, url + "qa_analysis", QA, cause="solder voids",
                    responsible_unit="assembly", rnd_required="false",
                    cause_category="process")
        await _form(client, url + "manufacturing_countermeasure", MFG,
                    countermeasure="reflow corrected")
        await _form(client, url + "sales_negotiation", SALES, handling="allowance",
                    amount="20000.00")
        await _form(client, url + "consolidation", GM_OFFICE, summary="agreed")

        page = (await client.get(f"/cases/{case_no}?lang=en", headers=GM_OFFICE)).text
        assert 'id="approval" data-required-role="vice_gm"' in page
        assert re.search(r"data-approval-amount>[^<]*20,000\.00", page)
        assert 'id="step-form"' not in page
        vice = (await client.get(f"/cases/{case_no}?lang=en", headers=VICE_GM)).text
        assert 'id="step-form"' in vice and 'name="approved"' in vice
        await _form(client, url + "approval", VICE_GM, approved="true")
        await _form(client, url + "execution", SALES, note="allowance paid")
        case = await _case(client, case_no)
        assert case["status"] == "closed"
        assert [e["by"] for e in case["timeline"]] == [
            "E-G1", "E-Q1", "E-M1", "E-S1", "E-G1", "E-VG", "E-S1"]

        page = (await client.get(f"/cases/{case_no}?lang=en", headers=GM_OFFICE)).text
        assert page.count("data-copy=") == 5 and 'data-copy="accounting"' in page
        assert f'href="/complaints/{case_no}/pdf"' in page
        assert "solder voids" in page and "E-VG" in page  # the timeline's who and what

        form = await client.get(f"/complaints/{case_no}/pdf?lang=en", headers=GM_OFFICE)
        assert form.status_code == 200 and form.headers["content-type"] == "application/pdf"
        text = layout_text(form.content)
        for holder in ("Quality assurance", "Manufacturing", "Sales", "Accounting",
                       "GM office"):
            assert f"Copy for: {holder}" in text, (holder, text[:600])
        assert text.count("Copy for:") == 5 and "Acme GmbH" in text and "solder voids" in text
        zh = layout_text((await client.get(f"/complaints/{case_no}/pdf?lang=zh-Hans",
                                        headers=GM_OFFICE)).content)
        assert "质量管理部" in zh
        assert (await client.get(f"/complaints/{case_no}/pdf",
                                 headers=token("pos", "P1"))).status_code == 403

        # C9.9: the customer rejects the decision; sales files the appeal from the page
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=SALES)).text
        assert 'id="appeal-form"' in page
        appeal = await _form(client, f"/cases/{case_no}/appeal", SALES,
                             demand="the allowance is too small")
        appeal_no = appeal.headers["location"].rsplit("/", 1)[1]
        assert (await _case(client, appeal_no))["appeal_of"] == case_no
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=SALES)).text
        assert f'data-appeal="{appeal_no}"' in page
        assert 'id="appeal-form"' not in (
            await client.get(f"/cases/{case_no}?lang=en", headers=QA)).text


async def test_c9_12_a_petition_is_filed_and_answered_on_the_case_page(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        case_no = (await file(client))["case_no"]
        await step(client, case_no, "registration", GM_OFFICE)
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=MFG)).text
        assert 'id="petition-form"' in page
        await _form(client, f"/cases/{case_no}/petitions", MFG,
                    reason="the cause is the supplier's", step="qa_analysis",
                    addressed_to="gm")
        petition = (await _case(client, case_no))["petitions"][0]
        assert (petition["department"], petition["addressed_to"]) == ("manufacturing", "gm")

        queue = (await client.get("/queue?lang=en", headers=GM)).text
        assert f'data-petition="{petition["id"]}"' in queue
        vice = (await client.get(f"/cases/{case_no}?lang=en", headers=VICE_GM)).text
        assert f'id="petition-decision-{petition["id"]}"' not in vice
        await _form(client, f"/cases/{case_no}/petitions/{petition['id']}/decision", VICE_GM,
                    expect=403, decision="upheld")
        await _form(client, f"/cases/{case_no}/petitions/{petition['id']}/decision", GM,
                    decision="upheld", note="QA to recheck")
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=GM)).text
        assert f'data-petition="{petition["id"]}" data-decision="upheld"' in page
        assert "QA to recheck" in page
        assert (await client.get("/queue?lang=en", headers=GM)).text.count(
            "data-petition=") == 0


def _custom_profile() -> dict[str, Any]:
    """A company's own two-step chain with a field type of its own."""
    return {
        "profile": "acme",
        "filed_by": ["sales"],
        "classifications": ["quality"],
        "field_types": {"defect_code": {"kind": "choice", "choices": ["D1", "D2", "D3"]},
                        "credit_note": {"kind": "money"}},
        "steps": [
            {"name": "triage", "owner_role": "qa", "allowed": {"days": 1},
             "fields": ["defect_code"], "optional_fields": ["summary"]},
            {"name": "settle", "owner_role": "sales", "fields": ["credit_note"]},
        ],
    }


async def test_a_company_profile_gets_its_step_forms_without_code(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        loaded = await client.put("/profiles/acme", json=_custom_profile(), headers=ADMIN)
        assert loaded.status_code == 201, loaded.text
        listing = (await client.get("/workflow-profiles?lang=en", headers=QA)).text
        assert 'id="profile-acme" data-profile="acme" data-source="custom"' in listing
        assert 'id="profile-form"' not in listing
        assert 'id="profile-form"' in (
            await client.get("/workflow-profiles", headers=ADMIN)).text

        case_no = (await file(client, profile="acme"))["case_no"]
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=QA)).text
        assert 'id="step-form"' in page and 'action="/cases/' + case_no + '/steps/triage"' in page
        assert re.search(r'<select id="f-defect_code" name="defect_code" required>', page)
        assert '<option value="D2">D2</option>' in page and 'name="summary"' in page
        await _form(client, f"/cases/{case_no}/steps/triage", QA, expect=422,
                    defect_code="D9")
        await _form(client, f"/cases/{case_no}/steps/triage", QA, defect_code="D2")
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=SALES)).text
        assert 'name="credit_note" inputmode="decimal"' in page
        await _form(client, f"/cases/{case_no}/steps/settle", SALES, credit_note="150.00")
        case = await _case(client, case_no)
        assert case["status"] == "closed"
        assert case["timeline"][0]["decision"]["defect_code"] == "D2"


async def test_profile_loaded_from_the_page_by_admin_only(ns) -> None:
    import json

    async with running(create_app(ns.settings("complaints"))) as client:
        body = json.dumps(_custom_profile())
        await _form(client, "/workflow-profiles", QA, expect=403, name="acme",
                    definition=body)
        await _form(client, "/workflow-profiles", ADMIN, expect=422, name="acme",
                    definition="{not json")
        await _form(client, "/workflow-profiles", ADMIN, name="acme", definition=body)
        names = [p["name"] for p in (await client.get("/profiles", headers=SALES)).json()]
        assert "acme" in names


async def test_c9_4_the_approval_section_names_the_sales_manager_for_a_small_amount(
    ns,
) -> None:
    async with running(create_app(ns.settings("complaints"))) as client:
        case_no = (await file(client, **{**FILING, "market": "domestic"}))["case_no"]
        await walk_to_approval(client, case_no, amount="3000.00")
        page = (await client.get(f"/cases/{case_no}?lang=en", headers=GM_OFFICE)).text
        assert 'data-required-role="sales_manager"' in page
        assert "Also allowed" in page  # higher authorities may approve a lower amount
