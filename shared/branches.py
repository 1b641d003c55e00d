"""Branch reference data: calendar, districts and staff of each branch.

Every service reads the same file (``AFTERSALES_BRANCHES_FILE``; the demo branch SC01 of
CONTRACT.md ships as the default). A district on a branch's suburban list gets the
suburban arrival deadline; any other district is urban, the stricter promise, so a
mistyped district never gives the customer a slower visit (SPEC S19 [choice]).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .calendar import WorkingCalendar
from .claimed import ClaimWindows

DEFAULT_FILE = Path(__file__).with_name("reference") / "branches.json"


@dataclass(frozen=True)
class StaffMember:
    staff_id: str
    role: str
    name: str


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    kind: str
    timezone: str
    currency: str
    calendar: WorkingCalendar
    urban_districts: frozenset[str]
    suburban_districts: frozenset[str]
    staff: dict[str, StaffMember] = field(default_factory=dict)
    # ISO 3166 region of the branch's phone numbers (the default when a number has no
    # country code); the demo branches are in China.
    country: str = "CN"
    # The console's language when neither ?lang= nor the browser says (CONTRACT "Console").
    language: str = "zh-Hans"
    # How late a client-supplied time may be recorded without an approver (SPEC CT1).
    claim_windows: ClaimWindows = field(default_factory=ClaimWindows)

    @property
    def zone(self) -> ZoneInfo:
        """The branch's time zone: its registers, reports and months are read in it."""
        return ZoneInfo(self.timezone)

    def local_date(self, at: datetime) -> date:
        """The branch-local calendar date of the instant ``at`` (SPEC §8)."""
        return at.astimezone(self.zone).date()

    def staff_with_role(self, role: str) -> list[StaffMember]:
        return [s for s in self.staff.values() if s.role == role]


def _branch(code: str, raw: dict[str, Any]) -> Branch:
    return Branch(
        code=code,
        name=raw.get("name", code),
        kind=raw.get("kind", "service_center"),
        timezone=raw.get("timezone", "Asia/Shanghai"),
        currency=raw.get("currency", "CNY"),
        calendar=WorkingCalendar.from_config(raw.get("calendar", {})),
        urban_districts=frozenset(raw.get("urban_districts", [])),
        suburban_districts=frozenset(raw.get("suburban_districts", [])),
        staff={
            sid: StaffMember(staff_id=sid, role=s["role"], name=s.get("name", sid))
            for sid, s in raw.get("staff", {}).items()
        },
        country=raw.get("country", "CN"),
        language=raw.get("language", "zh-Hans"),
        claim_windows=ClaimWindows.from_config(raw.get("claim_windows")),
    )


@lru_cache(maxsize=8)
def load_branches(path: Path | None = None) -> dict[str, Branch]:
    """All branches of the configuration file."""
    raw = json.loads((path or DEFAULT_FILE).read_text(encoding="utf-8"))
    return {code: _branch(code, b) for code, b in raw.items()}
