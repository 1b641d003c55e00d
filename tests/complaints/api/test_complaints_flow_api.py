"""A foreign quality complaint walks every manufacturer step to closure, real NATS + database.

SPEC C9.4 (the chain and its owners), C10 (case due 17 days after registration), C9.8 (five
copies on closing), C8 (numbering), §8 (who did what on every step).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import TypeAdapter

from services.complaints.app import create_app
from tests.helpers import eventually, running, token

from ..support import (
    GM_OFFICE,
    MFG,
    QA,
    RND,
    SALES,
    SALES_MANAGER,
    VICE_GM,
    file,
    step,
    stream_reader,
)

pytestmark = pytest.mark.integration
_dt = TypeAdapter(datetime)


async def test_c9_4_foreign_quality_complaint_walks_every_step_and_c9_8_five_copies(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as client, \
            stream_reader(ns, "complaints.copy.issued.v1") as copies:
        filed = await file(client)
        case_no = filed["case_no"]
        assert filed["current_step"] == "registration"
        assert filed["case_due_at"] is None  # C10: starts when the GM office accepts it

        done = await step(client, case_no, "registration", GM_OFFICE, note="numbered")
        registered = _dt.validate_python(done["timeline"][0]["at"])
        assert _dt.validate_python(done["case_due_at"]) == registered + timedelta(days=17)
        assert done["current_step"] == "qa_analysis"

        await step(client, case_no, "qa_analysis", QA, cause="solder voids",
                   responsible_unit="assembly", rnd_required=True, cause_category="process")
        await step(client, case_no, "manufacturing_countermeasure", MFG,
                   countermeasure="reflow profile corrected")
        await step(client, case_no, "rnd_opinion", RND, opinion="pad layout unchanged")
        await step(client, case_no, "sales_negotiation", SALES, handling="return",
                   amount="20000.00", return_quantity=38)
        body = await step(client, case_no, "consolidation", GM_OFFICE, summary="return 38 units")
        assert body["owner_role"] == "vice_gm"  # C9.4: 20,000 is the vice GM's to approve
        await step(client, case_no, "approval", SALES_MANAGER, expect=403, approved=True)
        await step(client, case_no, "approval", VICE_GM, approved=True)
        closed = await step(client, case_no, "execution", SALES, note="goods back")

        assert closed["status"] == "closed"
        assert [e["step"] for e in closed["timeline"]] == [
            "registration", "qa_analysis", "manufacturing_countermeasure", "rnd_opinion",
            "sales_negotiation", "consolidation", "approval", "execution",
        ]
        assert [e["by"] for e in closed["timeline"]] == [
            "E-G1", "E-Q1", "E-M1", "E-R1", "E-S1", "E-G1", "E-VG", "E-S1"
        ]
        assert closed["improvement"] == {"required": True, "done_at": None, "note": None}
        assert closed["followups"] == []

        async def five():
            return copies if len(copies) >= 5 else None

        await eventually(five, within=10)
        assert sorted(c["recipient"] for c in copies) == [
            "accounting", "gm_office", "manufacturing", "qa", "sales"
        ]
        for copy in copies:
            assert copy["case_no"] == case_no
            assert copy["handling"] == "return"
            assert copy["amount"] == "20000.00"
            assert copy["quantity"] == 38
            assert copy["responsible_unit"] == "assembly"
            assert copy["market"] == "foreign"

        audit = await client.get(f"/admin/audit/complaint/{case_no}", headers=token("admin"))
        assert audit.status_code == 200
        actions = [a["action"] for a in audit.json()]
        assert actions[0] == "complaint.filed" and actions[-1] == "complaint.closed"
