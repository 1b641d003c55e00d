"""Technician scores and rankings in the browser (SPEC Q23), month by month, with charts
drawn on the server (``shared.web.charts``: inline SVG and the same numbers as a table).

Both pages call the use cases of the JSON routes (``service.scores``), authorised with
the same gates: the branch ranking of a month (``GET /rankings``) as a bar chart of the
overall score, and one technician's four dimensions and overall over the months up to
the one picked (``GET /technicians/{id}/scores``, once per month) as a line chart.
[choice] A technician's chart spans six months; a month without an answered card has no
score, so it stays in the table (as "—") but not in the chart (a gap, not a zero).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from shared.rules import RuleBroken
from shared.runtime import RuntimeDep
from shared.web.charts import bar_chart, line_chart

from ..api.staff import RankingReader, ScoreReader, StaffId
from ..domain import cards as card_rules
from ..service import scores
from . import router
from .common import BranchQuery, MonthQuery, branch_codes, gettext, staff_names, this_month

MONTHS = 6  # [choice] how many months a technician's page shows
Months = Annotated[int, Query(ge=1, le=24)]


def months_up_to(month: str, count: int) -> list[str]:
    """``count`` months ``YYYY-MM`` ending with ``month``, oldest first."""
    year, number = int(month[:4]), int(month[5:7])
    found = []
    for _step in range(count):
        found.append(f"{year:04d}-{number:02d}")
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return [m for m in reversed(found) if m >= "2000-01"]


def _dimension_names(_: Callable[[str], str]) -> dict[str, str]:
    """The series' names in the page's language (the chart speaks it too)."""
    return {"attitude": _("Attitude"), "skill": _("Skill"), "arrival": _("Arrival on time"),
            "follow_through": _("Kept promises"), "overall": _("Overall")}


@router.get("/scores", response_class=HTMLResponse)
async def ranking_page(
    request: Request, rt: RuntimeDep, actor: RankingReader, branch: BranchQuery = None,
    month: MonthQuery = None,
) -> HTMLResponse:
    """The branch's technicians ranked by their month's overall score, as a bar chart and
    a table (Q23); head office picks the branch."""
    choices = branch_codes(rt, actor)
    chosen = branch or actor.branch or (choices[0] if choices else None)
    if chosen is None:
        raise RuleBroken("choose a branch", field="branch")
    shown = month or this_month(rt, actor, chosen)
    async with rt.db.reading() as session:
        ranked = await scores.branch_ranking(rt.context, session, actor=actor, branch=chosen,
                                             month=shown)
    _ = gettext(request, actor)
    names = staff_names(rt)
    rated = [(rank, s) for rank, s in ranked if s.overall is not None]
    chart = bar_chart(
        _("Overall score by technician, %(month)s") % {"month": shown},
        [names.get(s.technician_id, s.technician_id) for _r, s in rated],
        {_("Overall"): [s.overall or 0.0 for _r, s in rated]},
        y_title=_("average level (4 very satisfied)"), no_data=_("No answered cards"),
    )
    return request.app.state.console.render(  # type: ignore[no-any-return]
        request, "survey_scores.html", actor=actor, ranked=ranked, chart=chart,
        month=shown, chosen_branch=chosen, branches=choices, names=names,
        dimensions=card_rules.DIMENSIONS, subnav="scores",
    )


@router.get("/scores/{technician_id}", response_class=HTMLResponse)
async def technician_page(
    request: Request, technician_id: StaffId, rt: RuntimeDep, actor: ScoreReader,
    month: MonthQuery = None, months: Months = MONTHS,
) -> HTMLResponse:
    """A technician's dimensions and overall month by month up to ``month`` (Q23)."""
    last = month or this_month(rt, actor)
    shown = months_up_to(last, months)
    async with rt.db.reading() as session:
        monthly = [(m, await scores.technician_scores(rt.context, session, actor=actor,
                                                     technician_id=technician_id, month=m))
                   for m in shown]
    _ = gettext(request, actor)
    labels = _dimension_names(_)
    rated = [(m, s) for m, s in monthly if s.overall is not None]
    series = {labels[d]: [float(getattr(s, d) or 0.0) for _m, s in rated]
              for d in (*card_rules.DIMENSIONS, "overall")}
    name = staff_names(rt).get(technician_id, technician_id)
    chart = line_chart(
        _("%(name)s: scores month by month") % {"name": name}, [m for m, _s in rated],
        series if rated else {}, y_title=_("average level (4 very satisfied)"),
        no_data=_("No answered cards"),
    )
    return request.app.state.console.render(  # type: ignore[no-any-return]
        request, "survey_technician.html", actor=actor, technician_id=technician_id,
        name=name, monthly=monthly, chart=chart, month=last, months=months,
        dimensions=card_rules.DIMENSIONS, subnav="scores",
    )
