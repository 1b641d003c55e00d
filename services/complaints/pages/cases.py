"""One complaint case in the console: its filing, severity (Q26), approval (C9.4), the
timeline with back-dated entries (CT1), slips (C14), and the current step's form for the
role that may complete it.

The form is parsed into the JSON route's step body and handed to the same use case; a
typed time is read in the case's zone. Nothing here decides a rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from shared.runtime import Runtime, RuntimeDep

from ..api.cases import Reader
from ..api.params import CaseNo, StepName
from ..models import Complaint
from ..service import case_page as extras
from ..service import cases, steps
from . import router
from .labels import CLASSES, HOLDERS


def _(message: str) -> str:
    """Marks a label for the catalogues; the template translates it when rendering."""
    return message


# The step forms' labels (decision fields of shared profiles, SPEC C9.4, R2, Q26; CT1).
LABELS: dict[str, str] = {
    "cause": _("Cause"), "cause_category": _("Kind of cause"),
    "responsible_unit": _("Responsible unit"), "supplier": _("Responsible supplier"),
    "investigated_at": _("Investigated at"), "rnd_required": _("R&D must comment"),
    "countermeasure": _("Countermeasure"), "opinion": _("Opinion"),
    "handling": _("Handling"), "amount": _("Amount"),
    "return_quantity": _("Quantity to return"), "summary": _("Summary"),
    "loss_amount": _("Loss amount"), "improvement_tracking": _("Track improvement"),
    "approved": _("Approved"), "approved_amount": _("Approved amount"),
    "sales_slip_no": _("Sales slip"),
    "borrowed_gifts": _("Gifts borrowed from other vendors"), "outcome": _("Outcome"),
    "customer_present": _("Customer present"),
    "staff_present": _("Counter staff or leader present"),
    "invoice_collected": _("Original invoice collected"),
    "visited_by": _("Visited by"), "visited_on": _("Visited on"),
    "letter_ref": _("Letter reference"), "channel": _("Told the customer by"),
    # SPEC C9.4b, C9.5, C7.4, C9.2b: the hops of clause 九
    "accepted": _("Accepted (no sends it back)"), "comment": _("Manager's office comment"),
    "customer_answer": _("Customer's answer"), "production_unit": _("Production unit"),
    "machine_or_shift": _("Machine or shift"), "production_staff": _("Production staff"),
    "production_date": _("Production date"), "qa_attended": _("QA went to the inspection"),
    "manufacturing_attendee": _("Manufacturing staff who went"),
    "inspection_report": _("Inspection report"), "assigned_to": _("Person the GM assigned"),
    "inspected_on": _("Inspected on"),
    "note": _("Note"), "at": _("Done at (if not now)"),
    "backdate_reason": _("Why it is recorded late (needed beyond the window)"),
}


def _zone(rt: Runtime, case: Complaint) -> Any:
    return rt.context.branch(case.branch).zone if case.branch else cases.company_zone(
        rt.context)


def _body(form: FormData, fields: list[tuple[str, str]], zone: Any) -> dict[str, Any]:
    """The step body from the form: empty inputs are left out, the schema judges the rest."""
    body: dict[str, Any] = {}
    for name, kind in fields:
        raw = form.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            continue
        if kind == "bool":
            body[name] = {"true": True, "false": False}.get(text, text)
        elif kind == "int":
            body[name] = int(text) if text.isdigit() and len(text) <= 9 else text
        elif kind == "datetime":
            try:  # datetime-local carries no offset: it is the case's local time
                moment = datetime.fromisoformat(text)
            except ValueError:
                body[name] = text
                continue
            body[name] = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()
        else:
            body[name] = text
    return body


@router.get("/cases/{case_no}", response_class=HTMLResponse)
async def case_page(request: Request, case_no: CaseNo, rt: RuntimeDep,
                    actor: Reader) -> HTMLResponse:
    """A case as the caller may read it, with the current step's form for its owner."""
    async with rt.db.reading() as session:
        row = await cases.readable_case(session, actor=actor, case_no=case_no)
        view = await cases.case_view(session, row)
        form = cases.step_form(actor, row)
        borrowings = await extras.gift_borrowings(session, row) if row.profile == "retail" \
            else []
    undecided = any(p.decision is None and p.addressed_to == actor.role
                    for p in view.petitions)
    return request.app.state.console.render(
        request, "complaints_case.html", actor=actor, case=view, form=form, labels=LABELS,
        approval=extras.approval_view(row),
        actions=extras.case_actions(actor, row, undecided_for_me=undecided),
        borrowings=borrowings, steps=cases.definition(row).enabled_steps(),
        classes=CLASSES, holders=HOLDERS)


@router.post("/cases/{case_no}/steps/{step}")
async def complete_step(request: Request, case_no: CaseNo, step: StepName, rt: RuntimeDep,
                        actor: Reader) -> Response:
    """Complete the current step from the form (SPEC C9.4; CT1 for a typed time)."""
    form = await request.form()
    async with rt.db.transaction() as session:
        row = await cases.find_case(session, case_no)
        fields = [(f.name, f.kind) for f in (cases.step_form(actor, row) or cases.StepForm(
            step=step, fields=())).fields]
        await steps.complete_step(rt.context, session, actor=actor, case_no=case_no,
                                  step=step, body=_body(form, fields, _zone(rt, row)))
    return RedirectResponse(f"/cases/{case_no}", status_code=303)
