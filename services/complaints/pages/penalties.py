"""Penalty pages (SPEC P1–P5, P8, P8b).

- ``/penalty-approvals``: what waits for the GM: administrative petitions (P3b) and a
  month's drafted reward/penalty notices, each with its approve form;
- ``/penalties``: a month's notices (drafted → approved by the GM → published) with their
  PDF; the GM office drafts and publishes, records rewards; HR (``admin``) publishes the
  approved administrative penalties (人事公布單);
- ``/cases/{case_no}/penalties``: a closed case's loss (P1), economic apportionment (P2,
  P5) and administrative penalty (P3, P4) forms, and the lines decided.

The forms call the same use cases as the JSON routes; nothing here decides a rule.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.fields import MONTH_PATTERN, PathId
from shared.runtime import RuntimeDep

from ..api.params import CaseNo, Month
from ..api.penalties import Gm, GmOffice, Hr, NoticeNo, PenaltyReader
from ..domain.penalties import AdminPenalty, PenaltyGround
from ..schemas.penalties import AdministrativePenaltyIn, EconomicPenaltyIn, LossIn, RewardIn
from ..service import penalties
from ..service.cases import company_today, readable_case
from ..service.queue import awaiting_hr
from . import router
from .forms import picked, validated

PARTY_ROWS = 4  # [choice] four party rows on the form; more parties: post it twice
MonthChoice = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


def _last_month(rt: RuntimeDep) -> str:
    today = company_today(rt.context)
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


@router.get("/penalty-approvals", response_class=HTMLResponse)
async def approvals_page(request: Request, rt: RuntimeDep, actor: Gm,
                         month: Month | None = None) -> HTMLResponse:
    """What waits for the GM: petitions (P3b) and the month's drafted notices (P8b)."""
    month = month or _last_month(rt)
    async with rt.db.reading() as session:
        petitions = await penalties.petitions_awaiting_gm(session)
        notices = await penalties.month_notices(session, month)
    return request.app.state.console.render(
        request, "complaints_penalty_approvals.html", actor=actor, month=month,
        petitions=petitions, notices=notices)


@router.post("/penalty-approvals/decisions/{decision_id}")
async def approve_petition(decision_id: PathId, rt: RuntimeDep, actor: Gm) -> Response:
    """The GM approves an administrative petition from the page (SPEC P3b)."""
    async with rt.db.transaction() as session:
        await penalties.approve_administrative(rt.context, session, actor=actor,
                                               decision_id=decision_id)
    return RedirectResponse("/penalty-approvals", status_code=303)


@router.post("/penalty-approvals/notices/{notice_no}")
async def approve_notice(notice_no: NoticeNo, rt: RuntimeDep, actor: Gm) -> Response:
    """The GM approves a drafted notice from the page (SPEC P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.approve_notice(rt.context, session, actor=actor,
                                             notice_no=notice_no)
    return RedirectResponse(f"/penalty-approvals?month={row.month}", status_code=303)


@router.get("/penalties", response_class=HTMLResponse)
async def notices_page(request: Request, rt: RuntimeDep, actor: PenaltyReader,
                       month: MonthChoice = None) -> HTMLResponse:
    """A month's notices and rewards; HR's publications to make (SPEC P8, P8b, P3b)."""
    month = month or _last_month(rt)
    async with rt.db.reading() as session:
        notices = await penalties.month_notices(session, month)
        to_publish = await awaiting_hr(session) if actor.role == "admin" else []
    return request.app.state.console.render(
        request, "complaints_penalties.html", actor=actor, month=month, notices=notices,
        to_publish=to_publish)


@router.post("/penalties/draft")
async def draft_notices(rt: RuntimeDep, actor: GmOffice, month: Month) -> Response:
    """Draft the month's notices for the GM to approve (SPEC P8, P8b)."""
    async with rt.db.transaction() as session:
        await penalties.draft_month(rt.context, session, actor=actor, month=month)
    return RedirectResponse(f"/penalties?month={month}", status_code=303)


@router.post("/penalties/publish")
async def publish_month(rt: RuntimeDep, actor: GmOffice, month: Month) -> Response:
    """Send every notice of the month the GM approved; drafts stay (SPEC P8b)."""
    async with rt.db.transaction() as session:
        await penalties.publish_month(rt.context, session, actor=actor, month=month)
    return RedirectResponse(f"/penalties?month={month}", status_code=303)


@router.post("/penalties/notices/{notice_no}/publish")
async def publish_notice(notice_no: NoticeNo, rt: RuntimeDep, actor: GmOffice) -> Response:
    """Send one approved notice's copies (SPEC P8b)."""
    async with rt.db.transaction() as session:
        row = await penalties.publish_notice(rt.context, session, actor=actor,
                                             notice_no=notice_no)
    return RedirectResponse(f"/penalties?month={row.month}", status_code=303)


@router.post("/penalties/rewards")
async def decide_reward(request: Request, rt: RuntimeDep, actor: GmOffice) -> Response:
    """A reward for one person, listed on the month's notice (SPEC P8b)."""
    form = await request.form()
    body = validated(RewardIn, picked(form, ("person_id", "department", "unit", "reason",
                                             "amount", "commendation", "case_no")),
                     rule="P8b")
    async with rt.db.transaction() as session:
        row = await penalties.decide_reward(rt.context, session, actor=actor, data=body)
    return RedirectResponse(f"/penalties?month={row.month}", status_code=303)


@router.post("/penalties/decisions/{decision_id}/hr-publication")
async def hr_publication(decision_id: PathId, rt: RuntimeDep, actor: Hr) -> Response:
    """HR's publication slip of an approved administrative penalty (SPEC P3b)."""
    async with rt.db.transaction() as session:
        await penalties.publish_by_hr(rt.context, session, actor=actor,
                                      decision_id=decision_id)
    return RedirectResponse("/penalties", status_code=303)


@router.get("/cases/{case_no}/penalties", response_class=HTMLResponse)
async def case_penalties_page(request: Request, case_no: CaseNo, rt: RuntimeDep,
                              actor: PenaltyReader) -> HTMLResponse:
    """A case's loss and penalty decisions, with the GM office's forms (SPEC P1–P5)."""
    async with rt.db.reading() as session:
        case = await readable_case(session, actor=actor, case_no=case_no)
        lines = await penalties.case_penalties(session, actor=actor, case_no=case_no)
    return request.app.state.console.render(
        request, "complaints_case_penalties.html", actor=actor, case=case, lines=lines,
        party_rows=range(PARTY_ROWS), levels=[lv.value for lv in AdminPenalty],
        grounds=[g.value for g in PenaltyGround])


@router.post("/cases/{case_no}/loss")
async def record_loss(request: Request, case_no: CaseNo, rt: RuntimeDep,
                      actor: GmOffice) -> Response:
    """Record the loss on the returned goods (SPEC P1)."""
    form = await request.form()
    body = validated(LossIn, picked(form, ("a_grade_price", "returned_on", "sold_on",
                                           "resale_price", "actual_loss")), rule="P1")
    async with rt.db.transaction() as session:
        await penalties.record_loss(rt.context, session, actor=actor, case_no=case_no,
                                    data=body)
    return RedirectResponse(f"/cases/{case_no}/penalties", status_code=303)


@router.post("/cases/{case_no}/penalties/economic")
async def decide_economic(request: Request, case_no: CaseNo, rt: RuntimeDep,
                          actor: GmOffice) -> Response:
    """Apportion the loss among the parties filled in (SPEC P2, P5)."""
    form = await request.form()
    parties = []
    for index in range(PARTY_ROWS):
        row = {name: value for name, value in picked(form, [
            f"{field}_{index}" for field in ("department", "unit", "ratio", "group",
                                             "individual")]).items()}
        if row:
            parties.append({name.rsplit("_", 1)[0]: value for name, value in row.items()})
    data: dict[str, object] = {**picked(form, ("loss", "supersedes", "reason")),
                               "parties": parties}
    if isinstance(data.get("supersedes"), str) and str(data["supersedes"]).isdigit():
        data["supersedes"] = int(str(data["supersedes"]))
    body = validated(EconomicPenaltyIn, data, rule="P2")
    async with rt.db.transaction() as session:
        await penalties.decide_economic(rt.context, session, actor=actor, case_no=case_no,
                                        data=body)
    return RedirectResponse(f"/cases/{case_no}/penalties", status_code=303)


@router.post("/cases/{case_no}/penalties/administrative")
async def decide_administrative(request: Request, case_no: CaseNo, rt: RuntimeDep,
                                actor: GmOffice) -> Response:
    """An administrative penalty on one person, petitioned to the GM (SPEC P3, P3b, P4)."""
    form = await request.form()
    data: dict[str, object] = dict(picked(form, (
        "person_id", "department", "unit", "level", "ground", "amount", "supersedes",
        "reason")))
    if isinstance(data.get("supersedes"), str) and str(data["supersedes"]).isdigit():
        data["supersedes"] = int(str(data["supersedes"]))
    body = validated(AdministrativePenaltyIn, data, rule="P3")
    async with rt.db.transaction() as session:
        await penalties.decide_administrative(rt.context, session, actor=actor,
                                              case_no=case_no, data=body)
    return RedirectResponse(f"/cases/{case_no}/penalties", status_code=303)
