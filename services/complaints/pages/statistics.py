"""The monthly statistics page (SPEC C9.10): closed cases by classification and by
responsible unit, month by month, as server-drawn charts with their tables, and the chosen
month's table with responsibility shares and losses.

Each month is one call of the statistics use case (the same as ``GET /statistics``), so
the page shows exactly what the JSON answers (at ``/monthly-statistics``: ``/statistics``
is the JSON route). [choice] Twelve months ending with the
chosen one (default: the current month, provisional until it ends); the unit chart shows
the eight units with most cases and folds the rest into "other units".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.fields import MONTH_PATTERN
from shared.runtime import RuntimeDep
from shared.web.charts import bar_chart

from ..api.admin import Management
from ..service.cases import company_today
from ..service.statistics import monthly_statistics
from . import router
from .labels import CLASSES

MONTHS = 12
TOP_UNITS = 8
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


def months_ending(month: str, count: int = MONTHS) -> list[str]:
    """``count`` months ending with ``month`` (YYYY-MM), oldest first."""
    year, number = int(month[:4]), int(month[5:7])
    found = []
    for _step in range(count):
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return found[::-1]


def _(message: str) -> str:
    """Marks a label for the catalogues; the page translates it."""
    return message


@router.get("/monthly-statistics", response_class=HTMLResponse)
async def statistics_page(request: Request, rt: RuntimeDep, actor: Management,
                          month: Month = None) -> HTMLResponse:
    """Cases by classification and responsible unit over twelve months (SPEC C9.10)."""
    console = request.app.state.console
    chosen = month or company_today(rt.context).strftime("%Y-%m")
    months = months_ending(chosen)
    tables: list[dict[str, Any]] = []
    async with rt.db.reading() as session:
        for m in months:
            tables.append(await monthly_statistics(rt.context, session, month=m))
    gettext = console.gettext(console.language(request, actor))
    by_class = {gettext(CLASSES.get(c, c)): [float(t["by_classification"].get(c, 0))
                                            for t in tables]
                for c in sorted({c for t in tables for c in t["by_classification"]})}
    totals: dict[str, int] = {}
    for t in tables:
        for line in t["by_unit"]:
            totals[line["unit"]] = totals.get(line["unit"], 0) + int(line["count"])
    top = sorted(totals, key=lambda u: (-totals[u], u))[:TOP_UNITS]
    by_unit: dict[str, list[float]] = {u: [] for u in top}
    other: list[float] = []
    unattributed: list[float] = []
    for t in tables:
        counts = {line["unit"]: int(line["count"]) for line in t["by_unit"]}
        for u in top:
            by_unit[u].append(float(counts.get(u, 0)))
        other.append(float(sum(n for u, n in counts.items() if u not in top)))
        unattributed.append(float(t["unattributed"]))
    if any(other):
        by_unit[gettext(_("other units"))] = other
    if any(unattributed):
        by_unit[gettext(_("no responsible unit"))] = unattributed
    cases_word = gettext(_("Cases"))
    charts = [
        bar_chart(gettext(_("Closed cases by classification")), months, by_class,
                  y_title=cases_word, stacked=True),
        bar_chart(gettext(_("Closed cases by responsible unit")), months, by_unit,
                  y_title=cases_word, stacked=True),
    ]
    return console.render(request, "complaints_statistics.html", actor=actor, month=chosen,
                          months=months, table=tables[-1], charts=charts, classes=CLASSES,
                          totals=[t["total"] for t in tables])
