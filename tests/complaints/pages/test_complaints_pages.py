"""Head office's complaint register in the browser; a case off one's route is not listed."""

from __future__ import annotations

import pytest

from services.complaints.app import create_app
from tests.complaints.support import FILING, SALES
from tests.helpers import running, token

pytestmark = pytest.mark.integration


async def test_the_register_lists_the_cases_the_role_may_read(ns) -> None:
    async with running(create_app(ns.settings("complaints"))) as complaints:
        filed = await complaints.post("/complaints", json=FILING, headers=SALES)
        assert filed.status_code == 201, filed.text
        case_no = filed.json()["case_no"]
        page = await complaints.get("/", headers=token("gm_office", "G01", None))
        assert page.status_code == 200 and f'data-case="{case_no}"' in page.text
        assert "客户抱怨案件登记追踪表" in page.text
        off_route = await complaints.get("/?lang=en", headers=token("technician", "T01"))
        assert off_route.status_code == 200 and case_no not in off_route.text
        assert "Complaint register" in off_route.text
