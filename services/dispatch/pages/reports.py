"""The supervisor daily report (S16) and its sign-off by the branch manager (S17, issue 12
item 7), and the daily reports as printable PDFs in Chinese.

A signed report is shown as signed and read-only. The PDFs authorise like the JSON
report routes (bearer token or session cookie) and the use case checks the branch.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.auth import Actor
from shared.fields import PastDate
from shared.runtime import Runtime, RuntimeDep
from shared.web import pdf

from ..api.reports import Manager, ReportReader
from ..service import reports, supervision
from . import router
from .board import Branch, branch_of

Day = Annotated[PastDate | None, Query(alias="date")]
RequiredDay = Annotated[PastDate, Query(alias="date")]
StaffQuery = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
BranchQuery = Annotated[str, Query(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_\-]+$")]
DayField = Annotated[PastDate, Form(alias="date")]
CATEGORIES = ("A", "B", "C", "D")


def _url(day: date) -> str:
    return f"/reports?date={day.isoformat()}"


@router.get("/reports", response_class=HTMLResponse)
async def report_page(
    request: Request, rt: RuntimeDep, actor: ReportReader, branch: Branch = None,
    day: Day = None,
) -> HTMLResponse:
    """The branch's day by category over its technicians; the manager signs it here."""
    chosen = branch_of(actor, branch)
    shown: date = day or supervision.today(rt.context, chosen)
    async with rt.db.reading() as session:
        found = await reports.supervisor_daily(rt.context, session, actor=actor, branch=chosen,
                                               day=shown)
        arrivals = await reports.arrivals_of_day(rt.context, session, branch=chosen, day=shown)
    signed = found.signed_at is not None
    return request.app.state.console.render(
        request, "reports.html", actor=actor, report=found, day=shown, board_branch=chosen,
        arrivals=arrivals,
        categories=CATEGORIES, total=sum(found.minutes_by_category.values()), signed=signed,
        may_sign=not signed and actor.role == "branch_manager")


@router.post("/reports/sign")
async def sign_from_page(
    request: Request, rt: RuntimeDep, actor: Manager, day: DayField,
) -> Response:
    """The branch manager signs the day's report of their branch (S17)."""
    branch = branch_of(actor, None)
    async with rt.db.transaction() as session:
        await reports.sign_supervisor_report(rt.context, session, actor=actor, branch=branch,
                                             day=day)
    return RedirectResponse(_url(day), status_code=303)


def _labels(request: Request, actor: Actor) -> tuple[str, Callable[[str], str]]:
    console = request.app.state.console
    lang = console.language(request, actor)
    return lang, console.gettext(lang)


def _category_names(_: Callable[[str], str]) -> dict[str, str]:
    return {"A": _("Paid (A)"), "B": _("Contract (B)"), "C": _("Free warranty (C)"),
            "D": _("Internal admin (D)")}


@router.get("/reports/supervisor-daily/pdf")
async def supervisor_daily_pdf(
    request: Request, branch: BranchQuery, day: RequiredDay, rt: RuntimeDep,
    actor: ReportReader,
) -> Response:
    """The supervisor daily report as a printable form (S16, S17)."""
    async with rt.db.reading() as session:
        found = await reports.supervisor_daily(rt.context, session, actor=actor, branch=branch,
                                               day=day)
    lang, _ = _labels(request, actor)
    names = _category_names(_)
    staff = rt.context.branch(branch).staff
    rows = []
    for technician_id, minutes in sorted(found.by_technician.items()):
        member = staff.get(technician_id)
        rows.append([f"{technician_id} {member.name}" if member else technician_id,
                     *[str(minutes.get(c, 0)) for c in CATEGORIES],
                     str(sum(minutes.values()))])
    rows.append([_("Total"), *[str(found.minutes_by_category.get(c, 0)) for c in CATEGORIES],
                 str(sum(found.minutes_by_category.values()))])
    signed = found.signed_at is not None
    form = pdf.PaperForm(
        title=_("Supervisor daily report"),
        number=f"{branch} {day.isoformat()}",
        sections=[
            pdf.Section(fields=[
                (_("Branch"), f"{branch} {rt.context.branch(branch).name}"),
                (_("Date"), day.isoformat()),
                (_("Status"), _("Signed") if signed else _("Not signed yet")),
            ]),
            pdf.Section(title=_("Minutes by category"),
                        header=[_("Technician"), *[names[c] for c in CATEGORIES], _("Total")],
                        rows=rows),
        ],
        signatures=[pdf.Signature(
            _("Branch manager"),
            f"{found.signed_by} {_fmt_instant(rt, branch, found.signed_at)}" if signed else "")],
        footer=_("Minutes of work by category (S16); signed by the branch manager (S17)."),
    )
    return Response(pdf.render(form, lang), media_type="application/pdf")


@router.get("/reports/technician-daily/pdf")
async def technician_daily_pdf(
    request: Request, technician_id: StaffQuery, day: RequiredDay, rt: RuntimeDep,
    actor: ReportReader,
) -> Response:
    """A technician's daily report as a printable form: every piece of work (S15)."""
    async with rt.db.reading() as session:
        entries, totals = await reports.technician_daily(
            rt.context, session, actor=actor, technician_id=technician_id, day=day)
    branch = reports.technician_branch(rt.context, actor, technician_id)
    lang, _ = _labels(request, actor)
    names = _category_names(_)
    member = rt.context.branch(branch).staff.get(technician_id)
    sources = {"on_site": _("On site"), "workshop": _("Workshop"), "manual": _("Logged by hand")}
    form = pdf.PaperForm(
        title=_("Technician daily report"),
        number=f"{technician_id} {day.isoformat()}",
        sections=[
            pdf.Section(fields=[
                (_("Branch"), f"{branch} {rt.context.branch(branch).name}"),
                (_("Technician"), f"{technician_id} {member.name if member else ''}".strip()),
                (_("Date"), day.isoformat()),
                (_("Total minutes"), str(sum(totals.values()))),
            ]),
            pdf.Section(title=_("Work of the day"),
                        header=[_("Category"), _("Minutes"), _("Service voucher"),
                                _("Source"), _("Note")],
                        rows=[[names.get(e.category, e.category), str(e.minutes),
                               e.voucher_no or "", sources.get(e.source, e.source),
                               e.note or ""] for e in entries]),
            pdf.Section(title=_("Minutes by category"),
                        header=[names[c] for c in CATEGORIES],
                        rows=[[str(totals.get(c, 0)) for c in CATEGORIES]]),
        ],
        signatures=[pdf.Signature(_("Technician"), technician_id),
                    pdf.Signature(_("Supervisor"), "")],
        footer=_("Every piece of work with its category and time (S15)."),
    )
    return Response(pdf.render(form, lang), media_type="application/pdf")


def _fmt_instant(rt: Runtime, branch: str, at: datetime | None) -> str:
    if at is None:
        return ""
    return at.astimezone(rt.context.branch(branch).zone).strftime("%Y-%m-%d %H:%M")
