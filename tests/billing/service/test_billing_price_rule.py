"""The E1 price rule read from the company file (SPEC E1, issue 13 item 4c)."""

import json
from decimal import Decimal
from pathlib import Path

from services.billing.domain.extended_warranty import quote
from services.billing.service.warranty_rule import DEFAULT_FILE, price_rule

D = Decimal


def test_e1_changed_file_is_read_again(tmp_path: Path):
    file = tmp_path / "ew.json"
    raw = json.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    file.write_text(json.dumps(raw), encoding="utf-8")
    assert quote(product_price=D("6000"), years=1, rule=price_rule(file)) == D("279.00")
    raw["points"][1]["prices"] = ["5000", "9000", "13000", "17000", "21000"]  # 10 % …
    raw["minimum"][0] = "0"
    file.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    assert quote(product_price=D("6000"), years=1, rule=price_rule(file)) == D("600.00")
