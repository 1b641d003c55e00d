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
# How customers 1 and 3 hear back (issue 14): by e-mail, which `make run`'s mail sink
# shows; 2 and 4 have none, so their letters are printed for the post.
DEMO_CONTACTS = {"13800000001": ("wu.mei@example.com", "zh-Hans"),
                 "13800000003": ("zhou.lan@example.com", "zh-Hant")}

# Billing's staff register (SPEC P5, P6): person, name, smallest unit, section, base
# points, monthly efficiency bonus; the branch's staff of the CONTRACT demo data.
DEMO_STAFF = [
    ("S01", "Supervisor Wang", "SC01-office", "SC01", "1.50", "4000.00"),
    ("M01", "Manager Zhao", "SC01-office", "SC01", "2.00", "6000.00"),
    ("T01", "Technician Li", "SC01-field", "SC01", "1.00", "3000.00"),
    ("T02", "Technician Zhang", "SC01-field", "SC01", "1.00", "3000.00"),
    ("T03", "Technician Chen", "SC01-field", "SC01", "1.20", "3200.00"),
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
            contact: dict[str, str] = {}
            if phone in DEMO_CONTACTS:
                contact = dict(zip(("email", "language"), DEMO_CONTACTS[phone], strict=True))
            customer = client.post(
                "/customers",
                json={"name": name, "phone": phone, "address": address,
                      "district": district, "branch": "SC01", **contact},
            ).raise_for_status().json()
            client.post(
                "/products",
                json={"customer_id": customer["id"], "model": model, "serial": serial,
                      "purchased_on": (today - timedelta(days=30 * age_months)).isoformat(),
                      "warranty_months": warranty},
            ).raise_for_status()
    load_demo_staff(settings, today)
    marker.write_text("loaded\n")
    print("demo data loaded: customers 1-4 (1 and 3 in warranty, 2 and 4 out of warranty)")


def load_demo_staff(settings: Settings, today: date) -> None:
    """Billing's register: the demo staff and their bonuses for this month and the next
    two, through billing's public API (SPEC P3, P6, P7)."""
    token = issue_token(settings.jwt_secret, role="accountant", user="A01", branch="SC01")
    base = f"http://127.0.0.1:{DEFAULT_PORTS['billing']}"
    months = []
    year, month = today.year, today.month
    for _ in range(3):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=10) as client:
        for person, name, unit, section, points, bonus in DEMO_STAFF:
            client.put(f"/staff/{person}", json={
                "name": name, "unit": unit, "section": section, "base_points": points,
                "effective_month": months[0]}).raise_for_status()
            for each in months:
                client.put(f"/bonuses/{person}/{each}",
                           json={"amount": bonus}).raise_for_status()
