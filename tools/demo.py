"""Demo customer file loaded by ``make run``: SC01's customers, products inside and
outside the maker's warranty (CONTRACT "Demo data"; branch, staff and districts come
from the branch file). Loaded through intake's public API, once per data directory.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx

from shared.auth import issue_token
from shared.settings import DEFAULT_PORTS, Settings

DEMO_CUSTOMERS = [
    # name, phone, address, district, product model, serial, months since purchase, warranty
    ("Wu Mei", "13800000001", "88 Huaihai Rd", "Huangpu", "TV-55Q", "TV55Q-0001", 3, 12),
    ("Li Gang", "13800000002", "12 Caoxi Rd", "Xuhui", "WM-8KG", "WM8-0002", 30, 12),
    ("Zhou Lan", "13800000003", "5 Bole Rd", "Jiading", "AC-1.5P", "AC15-0003", 6, 36),
    ("Sun Hao", "13800000004", "9 Huaxin Rd", "Qingpu", "FR-300L", "FR300-0004", 40, 24),
]


def load_demo_data(settings: Settings, data_dir: Path) -> None:
    marker = data_dir / "demo-loaded"
    if marker.exists():
        return
    token = issue_token(settings.jwt_secret, role="clerk", user="C01", branch="SC01")
    base = f"http://127.0.0.1:{DEFAULT_PORTS['intake']}"
    headers = {"Authorization": f"Bearer {token}"}
    today = date.today()
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        for name, phone, address, district, model, serial, age_months, warranty in DEMO_CUSTOMERS:
            customer = client.post(
                "/customers",
                json={"name": name, "phone": phone, "address": address,
                      "district": district, "branch": "SC01"},
            ).raise_for_status().json()
            client.post(
                "/products",
                json={"customer_id": customer["id"], "model": model, "serial": serial,
                      "purchased_on": (today - timedelta(days=30 * age_months)).isoformat(),
                      "warranty_months": warranty},
            ).raise_for_status()
    marker.write_text("loaded\n")
    print("demo data loaded: customers 1-4 (1 and 3 in warranty, 2 and 4 out of warranty)")
