"""Abnormality sheets (異常處理單; retail: 售后服務調查表) (SPEC C3).

A quality issue that caused no loss is not a complaint: whoever handles it files a sheet,
routed to the unit concerned, which records its improvement (who, when, what); the filer
(or the GM office) then closes it. Sheets are reported beside complaints in the monthly
statistics, never counted as complaints.

Invariants: a sheet moves open → improved → closed, each step once; only the unit it is
routed to records the improvement; a sheet that states a loss is refused (file a
complaint instead). [choice] The retail form (售后服務調查表) is the one a counter files.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from shared.rules import Forbidden, RuleBroken, WrongState

RULE = "C3"
OPEN, IMPROVED, CLOSED = "open", "improved", "closed"
STATUSES: tuple[str, ...] = (OPEN, IMPROVED, CLOSED)
ABNORMALITY, RETAIL_SURVEY = "abnormality", "retail_survey"

# Whoever handles the issue may file (C3: "sales, counter, service department, QA …").
FILERS: frozenset[str] = frozenset({
    "sales", "sales_manager", "counter", "counter_lead", "service_dept", "qa",
    "manufacturing", "rnd", "gm_office", "supervisor", "branch_manager", "warehouse",
})
# The units a sheet can be routed to for improvement (roles that own the improvement).
UNITS: frozenset[str] = frozenset({
    "qa", "manufacturing", "rnd", "sales", "service_dept", "warehouse", "counter",
    "counter_lead", "supervisor", "branch_manager",
})
# [choice] Besides the filer's own role, the GM office may close a sheet (it keeps the
# statistics, C9.10).
CLOSERS: frozenset[str] = frozenset({"gm_office"})
RETAIL_FILERS: frozenset[str] = frozenset({"counter", "counter_lead"})


def form_for(role: str) -> str:
    """The paper the sheet stands for: the retail survey form at a counter (SPEC C3)."""
    return RETAIL_SURVEY if role in RETAIL_FILERS else ABNORMALITY


def check_filing(*, role: str, unit_role: str, caused_loss: bool) -> None:
    """Who may file, to which unit, and only for an issue without loss (SPEC C3)."""
    if role not in FILERS:
        raise Forbidden(f"{role} does not file abnormality sheets", field="role", rule=RULE)
    if unit_role not in UNITS:
        raise RuleBroken(f"must be one of {', '.join(sorted(UNITS))}", field="unit_role",
                         rule=RULE)
    if caused_loss:
        raise RuleBroken("an issue that caused a loss is a complaint: file it as one",
                         field="caused_loss", rule=RULE)


def check_improvement(*, role: str, unit_role: str, status: str) -> None:
    """Only the unit concerned records its improvement, once, on an open sheet (SPEC C3)."""
    if role != unit_role:
        raise Forbidden(f"the sheet is routed to {unit_role}", field="improvement", rule=RULE)
    if status != OPEN:
        raise WrongState("the improvement is already recorded", field="improvement", rule=RULE)


def check_closing(*, role: str, filed_role: str, status: str) -> None:
    """The filer's role (or the GM office) closes an improved sheet (SPEC C3)."""
    if role != filed_role and role not in CLOSERS:
        raise Forbidden(f"the sheet is closed by {filed_role} or the GM office",
                        field="status", rule=RULE)
    if status == CLOSED:
        raise WrongState("the sheet is already closed", field="status", rule=RULE)
    if status != IMPROVED:
        raise WrongState("record the unit's improvement first", field="improvement",
                         rule=RULE)


@dataclass(frozen=True, slots=True)
class SheetLine:
    """What the monthly block needs from one sheet (SPEC C3, C9.10)."""

    unit_role: str
    status: str
    form: str = ABNORMALITY


def abnormality_summary(sheets: Iterable[SheetLine]) -> dict[str, object]:
    """The month's sheets, a block beside the complaint table: counts by status, unit and
    form. Never added to the complaint totals (SPEC C3)."""
    by_status: Counter[str] = Counter({s: 0 for s in STATUSES})
    by_unit: Counter[str] = Counter()
    by_form: Counter[str] = Counter({ABNORMALITY: 0, RETAIL_SURVEY: 0})
    total = 0
    for sheet in sheets:
        total += 1
        by_status[sheet.status] += 1
        by_unit[sheet.unit_role] += 1
        by_form[sheet.form] += 1
    units = sorted(by_unit, key=lambda u: (-by_unit[u], u))
    return {
        "total": total,
        "by_status": dict(by_status),
        "by_unit": [{"unit": u, "count": by_unit[u]} for u in units],
        "by_form": dict(by_form),
    }
