"""Complaints' papers as PDF (CONTRACT "Console"): the complaint form (客户抱怨处理表) in
five copies, each naming its holder (SPEC C9.8); the reward/penalty notice (奖罚通知单,
P8, P8b) with its three copies; and the reminder and follow-up slips of the overdue list
(催办单 / 洽办单, C14).

Each is read through the same use case as its JSON route, so roles and branches are
checked the same way. Labels are in the request's language, text extractable.
[choice] The complaint form prints all five copies while the case is still open too (the
paper form travels with the case); the copies' holders are the profile's `copies_to`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from shared.fields import PastInstant
from shared.runtime import Runtime, RuntimeDep
from shared.web import pdf

from ..api.cases import Reader
from ..api.params import CaseNo
from ..api.penalties import NoticeNo, PenaltyReader
from ..domain.notices import NOTICE_COPIES
from ..service import cases, reminders
from ..service.papers import notice_with_lines
from . import router
from .cases import LABELS
from .labels import CLASSES, HOLDERS

Gettext = Callable[[str], str]


def _answer(form: pdf.PaperForm, lang: str, number: str) -> Response:
    return Response(pdf.render(form, lang), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


def _branch(rt: Runtime, branch: str | None) -> str:
    """The branch whose zone and currency the paper uses: the case's, else head office's."""
    return branch if branch in rt.branches else rt.context.head_office().code


def _holder(_: Gettext, code: str) -> str:
    return _(HOLDERS.get(code, code))


@router.get("/complaints/{case_no}/pdf")
async def complaint_pdf(request: Request, case_no: CaseNo, rt: RuntimeDep,
                        actor: Reader) -> Response:
    """The complaint form: filing, each step's who/when/what, approval; five copies each
    naming its holder (SPEC C9.8)."""
    async with rt.db.reading() as session:
        row = await cases.readable_case(session, actor=actor, case_no=case_no)
        view = await cases.case_view(session, row)
        holders = list(cases.definition(row).copies_to)
    lang, _, fmt = request.app.state.console.paper(request, actor, _branch(rt, view.branch))
    market = _("foreign") if view.market == "foreign" else _("domestic")
    fields = [
        (_("Case"), view.case_no), (_("Profile"), view.profile), (_("Market"), market),
        (_("Classification"), _(CLASSES.get(view.classification, view.classification))),
        (_("Customer"), view.customer), (_("Order"), view.order_no or ""),
        (_("Part"), view.part_no or ""), (_("Ship date"), fmt.date(view.ship_date)),
        (_("Quantity"), "" if view.quantity is None else str(view.quantity)),
        (_("Defective quantity"),
         "" if view.defective_quantity is None else str(view.defective_quantity)),
        (_("The customer's demand"), view.demand),
        (_("Received"), fmt.datetime(view.received_at)),
        (_("Filed"), f"{fmt.datetime(view.filed_at)}  {view.filed_by}"),
        (_("Status"), _("closed") if view.status == "closed" else _("open")),
    ]
    if view.appeal_of:
        fields.append((_("Appeal of"), view.appeal_of))
    decided = [(_("Responsible unit"), view.responsible_unit or ""),
               (_("Handling"), _(view.handling) if view.handling else ""),
               (_("Amount"), fmt.money(view.amount) if view.amount is not None else "")]
    if view.approved_amount is not None:
        decided.append((_("Approved"), f"{fmt.money(view.approved_amount)}  "
                                       f"{view.approved_by or ''} ({_(view.approved_role or '')})"))
    if view.closed_at is not None:
        decided.append((_("Closed"), fmt.datetime(view.closed_at)))
    rows = [[_(e.step), f"{e.by} ({_(e.role)})", fmt.datetime(e.at),
             "; ".join(_decided(_, k, v) for k, v in e.decision.items()) + (
                 f" {e.note}" if e.note else "") + (f" [{_('back-dated')}]" if e.backdated
                                                    else "")]
            for e in view.timeline]
    form = pdf.PaperForm(
        title=_("Customer complaint handling form"), number=view.case_no,
        sections=[pdf.Section(fields=fields),
                  pdf.Section(title=_("Timeline"),
                              header=[_("Step"), _("By"), _("Done at"), _("What")], rows=rows),
                  pdf.Section(title=_("Decision"), fields=decided)],
        copies=[f"{_('Copy for')}: {_holder(_, h)}" for h in holders] or ("",),
        footer=f"{_('Customer complaint handling form')} {view.case_no}",
    )
    return _answer(form, lang, view.case_no)


@router.get("/penalty-notices/{notice_no}/pdf")
async def notice_pdf(request: Request, notice_no: NoticeNo, rt: RuntimeDep,
                     actor: PenaltyReader) -> Response:
    """The reward/penalty notice: bearer, cases, deductions and rewards, approval and
    publication; a copy for the GM office, accounting and the unit (SPEC P8, P8b)."""
    async with rt.db.reading() as session:
        notice, lines = await notice_with_lines(session, notice_no)
    lang, _, fmt = request.app.state.console.paper(
        request, actor, _branch(rt, actor.branch))
    status = {"draft": _("draft"), "approved": _("approved"),
              "published": _("published")}.get(notice.status, notice.status)
    fields = [(_("Notice"), notice.notice_no), (_("Month"), notice.month),
              (_("Person"), notice.person_id), (_("Unit"), notice.unit),
              (_("Cases"), ", ".join(notice.case_nos)),
              (_("Deducted"), fmt.money(notice.amount)),
              (_("Deductions go to"), _("the company")),
              (_("Status"), status),
              (_("Approved"), f"{notice.approved_by or ''} {fmt.datetime(notice.approved_at)}"),
              (_("Published"), f"{notice.published_by or ''} "
                               f"{fmt.datetime(notice.published_at)}")]
    rows = [[d.case_no, _("economic") if d.kind == "economic" else _("administrative"),
             d.level or "", d.ground or "",
             fmt.money(d.amount) if d.amount is not None else ""] for d in lines]
    rewards = [[str(r.get("case_no") or ""), str(r.get("reason") or ""),
                str(r.get("commendation") or ""),
                fmt.money(r["amount"]) if r.get("amount") is not None else ""]
               for r in notice.rewards or []]
    sections = [pdf.Section(fields=fields),
                pdf.Section(title=_("Penalties"), header=[_("Case"), _("Kind"), _("Level"),
                                                          _("Ground"), _("Amount")], rows=rows)]
    if rewards:
        sections.append(pdf.Section(title=_("Rewards"), header=[
            _("Case"), _("Reason"), _("Commendation"), _("Amount")], rows=rewards))
    holders = [*NOTICE_COPIES, notice.unit]
    form = pdf.PaperForm(
        title=_("Reward/penalty notice"), number=notice.notice_no, sections=sections,
        copies=[f"{_('Copy for')}: {_holder(_, h)}" for h in holders],
        footer=f"{_('Reward/penalty notice')} {notice.notice_no}",
    )
    return _answer(form, lang, notice.notice_no)


@router.get("/overdue/slips.pdf")
async def slips_pdf(request: Request, rt: RuntimeDep, actor: Reader,
                    as_of: Annotated[PastInstant | None, Query()] = None) -> Response:
    """A reminder slip per missed deadline, addressed to the step's owner (SPEC C14)."""
    moment = as_of or rt.context.now()
    async with rt.db.reading() as session:
        rows = await reminders.overdue_cases(session, actor=actor, as_of=moment)
    lang, _, fmt = request.app.state.console.paper(request, actor, _branch(rt, actor.branch))
    kinds = {"step": _("step deadline"), "case": _("case deadline")}
    sections = [pdf.Section(
        title=f"{_('Reminder slip')} {r['case_no']}",
        fields=[(_("Case"), str(r["case_no"])),
                (_("Step"), _(str(r["current_step"])) if r["current_step"] else ""),
                (_("To"), _(str(r["owner_role"] or ""))),
                (_("Missed"), kinds.get(str(r["kind"]), str(r["kind"]))),
                (_("Was due"), fmt.datetime(r["due_at"]))]) for r in rows]  # type: ignore[arg-type]
    form = pdf.PaperForm(
        title=_("Reminder slips"), number=fmt.datetime(moment),
        sections=sections or [pdf.Section(fields=[(_("Overdue cases"), _("none"))])],
        footer=_("Reminder slips"),
    )
    return _answer(form, lang, "reminder-slips")


# SPEC C9.4 sales_negotiation: the handling codes, shown by their names
HANDLING_CODES = frozenset({"allowance", "return", "reprocess", "not_valid"})


def _decided(_: Callable[[str], str], field: str, value: object) -> str:
    """One decision of the timeline as the paper shows it: the field's label, yes/no and
    the handling by name in the paper's language; any other value as it was recorded."""
    if value is True or value is False:
        shown = _("yes") if value else _("no")
    elif isinstance(value, str) and value in HANDLING_CODES:
        shown = _(value)
    else:
        shown = str(value)
    return f"{_(LABELS.get(field, field))}: {shown}"

