"""Every CONTRACT "Dispatch" endpoint is served, with its documented method (no I/O)."""

from __future__ import annotations

from pathlib import Path

from services.dispatch.app import create_app
from shared.settings import Settings

CONTRACT = {
    ("get", "/board"),
    ("post", "/vouchers/{voucher_no}/assign"),
    ("post", "/vouchers/{voucher_no}/arrive"),
    ("post", "/vouchers/{voucher_no}/complete"),
    ("post", "/vouchers/{voucher_no}/carry-in"),
    ("post", "/repair-cards/{repair_card_no}/work"),
    ("post", "/repair-cards/{repair_card_no}/inspect"),
    ("post", "/repair-cards/{repair_card_no}/return"),
    ("get", "/escalations"),
    ("post", "/technicians/{technician_id}/work-log"),
    ("get", "/reports/technician-daily"),
    ("get", "/reports/supervisor-daily"),
}
ISSUE_3 = {("get", "/vouchers/{voucher_no}"), ("post", "/reports/supervisor-daily/sign")}


def test_contract_and_issue_routes_exist_and_every_route_has_a_docstring(tmp_path: Path) -> None:
    settings = Settings(service="dispatch", data_dir=tmp_path, database_url=None)
    paths = create_app(settings).openapi()["paths"]
    served = {(method, path) for path, ops in paths.items() for method in ops}
    assert CONTRACT | ISSUE_3 <= served
    for path, ops in paths.items():
        for method, op in ops.items():
            assert op.get("description"), f"{method.upper()} {path} has no docstring"
