"""The return slip (成品退货单, four copies) and the allowance certificate (销货折让证明单, two
copies) on paper, as PDF through the one builder (SPEC C13.1(1), C13.1(2)b; CONTRACT
"Console": Chinese labels, text extractable). Each copy names its holder as the seed
routes it: the allowance certificate's first copy stays with sales, the second goes to
accounting to book; the slip's copy 1 stays with sales to follow up, 2 with the
warehouse, 3 with accounting, 4 goes back to sales.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from shared.auth import Actor
from shared.runtime import RuntimeDep
from shared.web import pdf

from ..api.params import DocNo
from ..api.roles import ReturnsReader
from ..service import bookings
from ..service import returns as svc
from . import router
from .returns import AllowanceReader


def _branch(rt: RuntimeDep, actor: Actor, branch: str | None) -> str:
    """The branch whose zone and currency the paper uses: the document's, else the caller's,
    else the first configured (head office documents carry none)."""
    for code in (branch, actor.branch):
        if code and code in rt.branches:
            return code
    return next(iter(rt.branches))


def _proofs(gettext: Callable[[str], str]) -> dict[str, str]:
    """The proofs' names in the paper's language (SPEC C13.2(4)/(5))."""
    return {
        "stamped_original_invoice": gettext("Original invoice stamped by the buyer"),
        "stamped_invoice_copy_with_quantities": gettext(
            "Stamped invoice copy showing quantities and amounts"),
        "sales_return_certificate": gettext("Sales-return certificate stamped by the buyer"),
        "stamped_invoice_copy_with_allowance": gettext(
            "Stamped invoice copy showing the allowance"),
        "allowance_certificate_signed_back": gettext(
            "Allowance certificate signed back by the buyer"),
    }


def _pdf(body: bytes, number: str) -> Response:
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


@router.get("/return-slips/{slip_no}/pdf")
async def return_slip_pdf(slip_no: DocNo, request: Request, rt: RuntimeDep,
                          actor: ReturnsReader) -> Response:
    """The return slip in its four copies, each naming its holder (SPEC C13.1(2)b)."""
    async with rt.db.reading() as session:
        slip = await svc.get_slip(session, slip_no)
    lang, _, fmt = request.app.state.console.paper(request, actor,
                                                   _branch(rt, actor, slip.branch))
    handling = {"return": _("return"), "reprocess": _("reprocess")}
    dash = "—"
    fields = [
        (_("Complaint case"), slip.case_no),
        (_("Customer"), slip.customer),
        (_("Handling"), handling.get(slip.handling, slip.handling)),
        (_("Reason"), slip.reason),
        (_("Order"), slip.order_no or dash),
        (_("Part"), slip.part_no or dash),
        (_("Approved quantity"), dash if slip.approved_qty is None else str(slip.approved_qty)),
        (_("Approved amount"), dash if slip.amount is None else fmt.money(slip.amount)),
        (_("Received quantity"), dash if slip.received_qty is None else str(slip.received_qty)),
        (_("Warehouse's note"), slip.receipt_note or dash),
        (_("Quantity to book"), dash if slip.book_qty is None else str(slip.book_qty)),
        (_("Proof"), _proofs(_).get(slip.proof or "", dash)),
    ]
    form = pdf.PaperForm(
        title=_("Finished-goods return slip"), number=slip.slip_no,
        sections=[pdf.Section(fields=fields)],
        signatures=[
            pdf.Signature(_("Approved by (vice) manager"), slip.approved_by or ""),
            pdf.Signature(_("Received by the warehouse"), slip.signed_by or ""),
            pdf.Signature(_("Booked by accounting"), ""),
        ],
        footer=_("Printed by the after-sales service system."),
        copies=[_("Copy 1: sales department, kept to follow up"),
                _("Copy 2: finished-goods warehouse"),
                _("Copy 3: accounting, to book"),
                _("Copy 4: sales department, returned by the warehouse")],
    )
    return _pdf(pdf.render(form, lang), slip_no)


@router.get("/allowances/{allowance_no}/pdf")
async def allowance_pdf(allowance_no: DocNo, request: Request, rt: RuntimeDep,
                        actor: AllowanceReader) -> Response:
    """The allowance certificate in its two copies with its approvals (SPEC C13.1(1))."""
    async with rt.db.reading() as session:
        allowance = await svc.get_allowance(session, allowance_no)
        approvals = await bookings.approval_roles(session, allowance_no)
    lang, _, fmt = request.app.state.console.paper(request, actor, _branch(rt, actor, None))
    dash = "—"
    by_level = {a.level: a for a in approvals}
    manager, gm = by_level.get("manager"), by_level.get("gm")
    fields = [
        (_("Complaint case"), allowance.case_no),
        (_("Customer"), allowance.customer),
        (_("Order"), allowance.order_no or dash),
        (_("Part"), allowance.part_no or dash),
        (_("Allowance amount"), dash if allowance.amount is None
         else fmt.money(allowance.amount)),
        (_("Proof"), _proofs(_).get(allowance.proof or "", dash)),
    ]
    signed = allowance.customer_signed_by or ""
    if allowance.customer_signed_at is not None:
        signed = f"{signed} {fmt.datetime(allowance.customer_signed_at)}"
    form = pdf.PaperForm(
        title=_("Sales allowance certificate"), number=allowance.allowance_no,
        sections=[pdf.Section(fields=fields)],
        signatures=[
            pdf.Signature(_("Approved by (vice) manager"),
                          f"{manager.approved_by} {fmt.datetime(manager.approved_at)}"
                          if manager else ""),
            pdf.Signature(_("Approved by (vice) general manager"),
                          f"{gm.approved_by} {fmt.datetime(gm.approved_at)}" if gm else ""),
            pdf.Signature(_("Customer's signature and stamp"), signed),
        ],
        footer=_("Printed by the after-sales service system."),
        copies=[_("Copy 1: sales department"), _("Copy 2: accounting, to book")],
    )
    return _pdf(pdf.render(form, lang), allowance_no)
