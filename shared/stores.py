"""Stores whose POS talk to the system: their branch, webhook secret and the URL where
they receive refund and allowance instructions (``AFTERSALES_STORES_FILE``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("reference") / "stores.json"


@dataclass(frozen=True)
class Store:
    store_id: str
    name: str
    branch: str
    secret: str
    instructions_url: str | None
    # SPEC E5: the third party underwriting the extended warranties this store sells
    # (None: the company carries the cover itself).
    warranty_provider: str | None = None
    # Issue 15: the zone a POSLog's offsetless local times are read in (None: the
    # store's branch zone), and the appliance rule for its lines: the merchandise
    # categories that are appliances (empty: any line with a serial number is one).
    timezone: str | None = None
    appliance_categories: frozenset[str] = frozenset()


@lru_cache(maxsize=8)
def load_stores(path: Path | None = None) -> dict[str, Store]:
    """All stores of the configuration file."""
    raw = json.loads((path or DEFAULT_FILE).read_text(encoding="utf-8"))
    return {
        sid: Store(store_id=sid, name=s.get("name", sid), branch=s["branch"],
                   secret=s["secret"], instructions_url=s.get("instructions_url"),
                   warranty_provider=s.get("warranty_provider"),
                   timezone=s.get("timezone"),
                   appliance_categories=frozenset(s.get("appliance_categories", ())))
        for sid, s in raw.items()
    }
