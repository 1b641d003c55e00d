"""Filing in the console (issue 14): a new complaint (sales for the manufacturer profile,
a counter for retail, SPEC C9.1, R2), an appeal of a decided case (C9.9), a petition
(C9.12) and its decision, the tracked improvement (C9.7), the supplier coordination
(C9.13) and the retail gift borrowing (R2b), each from the case page.

Every form is read into the JSON route's body and handed to the same use case, with the
same roles; who may file a profile is the profile's `filed_by`, judged by the use case.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shared.fields import PathId
from shared.runtime import RuntimeDep

from ..api.abnormality import GiftActor, Organiser
from ..api.cases import Department, GmOffice, Improver, Reader, Superior
from ..api.params import CaseNo
from ..schemas.abnormality import GiftBorrowingIn
from ..schemas.cases import (
    AppealIn,
    ComplaintIn,
    ImprovementIn,
    PetitionDecisionIn,
    PetitionIn,
    SupplierIn,
)
from ..service import records, retail, steps
from ..service.cases import all_workflows, company_zone
from . import router
from .forms import integer, local_instant, picked, text, validated
from .labels import CLASSES

TEXTS = ("profile", "market", "classification", "customer", "order_no", "part_no",
         "ship_date", "demand", "backdate_reason", "branch", "store_id",
         "joint_inspection_on", "joint_inspection_note", "severity",
         # the customer's contact for the outcome letter (Q26 函告該客戶)
         "customer_email", "customer_language", "customer_address")


def _case_url(case_no: str, anchor: str = "") -> str:
    return f"/cases/{case_no}" + (f"#{anchor}" if anchor else "")


@router.get("/new", response_class=HTMLResponse)
async def filing_page(request: Request, rt: RuntimeDep, actor: Reader) -> HTMLResponse:
    """The complaint form with the profiles the caller's role files (SPEC C9.1, R2)."""
    async with rt.db.reading() as session:
        workflows = [d for d, _ in await all_workflows(session)]
    mine = [d for d in workflows if actor.role in d.filed_by]
    return request.app.state.console.render(
        request, "complaints_new.html", actor=actor, profiles=mine,
        classifications=sorted({c for d in mine for c in d.classifications}),
        required={d.profile: list(d.filing_fields) for d in mine}, classes=CLASSES)


@router.post("/new")
async def file_complaint(request: Request, rt: RuntimeDep, actor: Reader) -> Response:
    """File the complaint from the form; the new case's page follows (SPEC C8, C9.1)."""
    form = await request.form()
    data = picked(form, TEXTS)
    for name in ("quantity", "defective_quantity"):
        if (value := integer(text(form.get(name)))) is not None:
            data[name] = value  # type: ignore[assignment]
    received = local_instant(text(form.get("received_at")), company_zone(rt.context))
    if received is not None:
        data["received_at"] = received
    body = validated(ComplaintIn, data, rule="C9.1")
    async with rt.db.transaction() as session:
        case = await steps.file_complaint(rt.context, session, actor=actor, data=body)
    return RedirectResponse(_case_url(case.case_no), status_code=303)


@router.post("/cases/{case_no}/appeal")
async def appeal(request: Request, case_no: CaseNo, rt: RuntimeDep, actor: Reader) -> Response:
    """The customer rejects the decision: a new linked case (SPEC C9.9)."""
    form = await request.form()
    data: dict[str, object] = picked(form, ("demand", "backdate_reason"))
    if (received := local_instant(text(form.get("received_at")),
                                  company_zone(rt.context))) is not None:
        data["received_at"] = received
    if (defective := integer(text(form.get("defective_quantity")))) is not None:
        data["defective_quantity"] = defective
    body = validated(AppealIn, data, rule="C9.9")
    async with rt.db.transaction() as session:
        case = await records.appeal(rt.context, session, actor=actor, case_no=case_no,
                                    data=body)
    return RedirectResponse(_case_url(case.case_no), status_code=303)


@router.post("/cases/{case_no}/petitions")
async def petition(request: Request, case_no: CaseNo, rt: RuntimeDep,
                   actor: Department) -> Response:
    """A disagreeing department petitions the GM or vice GM (SPEC C9.12)."""
    form = await request.form()
    body = validated(PetitionIn, picked(form, ("reason", "step", "addressed_to")),
                     rule="C9.12")
    async with rt.db.transaction() as session:
        await records.petition(rt.context, session, actor=actor, case_no=case_no, data=body)
    return RedirectResponse(_case_url(case_no, "petitions"), status_code=303)


@router.post("/cases/{case_no}/petitions/{petition_id}/decision")
async def decide_petition(request: Request, case_no: CaseNo, petition_id: PathId,
                          rt: RuntimeDep, actor: Superior) -> Response:
    """The superior the petition is addressed to answers it (SPEC C9.12)."""
    form = await request.form()
    body = validated(PetitionDecisionIn, picked(form, ("decision", "note")), rule="C9.12")
    async with rt.db.transaction() as session:
        await records.decide_petition(rt.context, session, actor=actor, case_no=case_no,
                                      petition_id=petition_id, data=body)
    return RedirectResponse(_case_url(case_no, "petitions"), status_code=303)


@router.post("/cases/{case_no}/improvement")
async def improvement_done(request: Request, case_no: CaseNo, rt: RuntimeDep,
                           actor: Improver) -> Response:
    """Record that the tracked improvement was carried out (SPEC C9.7)."""
    form = await request.form()
    body = validated(ImprovementIn, picked(form, ("result",)), rule="C9.7")
    async with rt.db.transaction() as session:
        await records.improvement_done(rt.context, session, actor=actor, case_no=case_no,
                                       data=body)
    return RedirectResponse(_case_url(case_no), status_code=303)


@router.post("/cases/{case_no}/supplier-coordination")
async def coordinate_supplier(request: Request, case_no: CaseNo, rt: RuntimeDep,
                              actor: GmOffice) -> Response:
    """The GM office records its coordination with the responsible supplier (C9.13)."""
    form = await request.form()
    body = validated(SupplierIn, picked(form, ("supplier", "outcome", "recovered_amount")),
                     rule="C9.13")
    async with rt.db.transaction() as session:
        await records.coordinate_supplier(rt.context, session, actor=actor, case_no=case_no,
                                          data=body)
    return RedirectResponse(_case_url(case_no), status_code=303)


@router.post("/cases/{case_no}/gift-borrowings")
async def request_gifts(request: Request, case_no: CaseNo, rt: RuntimeDep,
                        actor: GiftActor) -> Response:
    """A counter records gifts to borrow from another vendor (SPEC R2b)."""
    form = await request.form()
    body = validated(GiftBorrowingIn, picked(form, ("vendor", "gifts", "counter_staff")),
                     rule="R2b")
    async with rt.db.transaction() as session:
        await retail.request_gifts(rt.context, session, actor=actor, case_no=case_no,
                                   data=body)
    return RedirectResponse(_case_url(case_no, "gifts"), status_code=303)


@router.post("/cases/{case_no}/gift-borrowings/{borrowing_id}/agree")
async def agree_gifts(case_no: CaseNo, borrowing_id: PathId, rt: RuntimeDep,
                      actor: Organiser) -> Response:
    """The branch organiser agrees to the borrowing beforehand (SPEC R2b)."""
    async with rt.db.transaction() as session:
        await retail.agree_gifts(rt.context, session, actor=actor, case_no=case_no,
                                 borrowing_id=borrowing_id)
    return RedirectResponse(_case_url(case_no, "gifts"), status_code=303)
