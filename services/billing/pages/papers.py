"""The invoice on paper (发票, with its 收据 receipts) as PDF (CONTRACT "Console")."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from shared.runtime import RuntimeDep
from shared.web import pdf

from ..api.params import DocNo
from ..api.roles import InvoiceReader
from ..service import invoices as svc
from . import router


@router.get("/invoices/{invoice_no}/pdf")
async def invoice_pdf(
    invoice_no: DocNo, request: Request, rt: RuntimeDep, actor: InvoiceReader
) -> Response:
    """The invoice as the printed 发票 with its lines and receipts, in Chinese by default."""
    async with rt.db.reading() as session:
        invoice = await svc.describe(
            session, await svc.get_invoice(session, invoice_no, actor=actor))
    branch = rt.branches[str(invoice["branch"])]
    lang, _, fmt = request.app.state.console.paper(request, actor, branch.code)
    status = {"paid": _("paid"), "issued": _("open"), "void": _("void")}
    kinds = {"visit": _("Visit fee"), "labour": _("Labour"), "part": _("Part")}
    methods = {"cash": _("cash"), "transfer": _("transfer"), "card": _("card"),
               "cheque": _("cheque")}
    fields = [
        (_("Invoice number"), str(invoice["invoice_no"])),
        (_("Branch"), f"{branch.code} {branch.name}"),
        (_("Service voucher"), str(invoice["voucher_no"] or invoice["ref"] or "")),
        (_("Customer"), str(invoice["customer_id"] or "")),
        (_("Issued on"), fmt.date(invoice["issued_on"])),
        (_("Amount"), fmt.money(invoice["amount"])),
        (_("Paid"), fmt.money(invoice["paid"])),
        (_("Balance due"), fmt.money(invoice["balance"])),
        (_("Status"), status.get(str(invoice["status"]), str(invoice["status"]))),
        (_("Mailed"), fmt.datetime(invoice["mailed_at"]) if invoice["mailed_at"] else "—"),
    ]
    lines = [[kinds.get(x.kind, x.kind), x.description, f"{x.quantity.normalize():f}",
              fmt.money(x.unit_price), fmt.money(x.amount)] for x in invoice["lines"]]
    receipts = [[p.receipt_no, fmt.money(p.amount), methods.get(p.method, p.method),
                 p.collected_by or "", fmt.datetime(p.paid_at)] for p in invoice["payments"]]
    sections = [
        pdf.Section(fields=fields),
        pdf.Section(title=_("Lines"), header=[_("Kind"), _("Description"), _("Quantity"),
                                              _("Unit price"), _("Amount")], rows=lines),
    ]
    if receipts:
        sections.append(pdf.Section(
            title=_("Receipt"), header=[_("Receipt number"), _("Amount"), _("Method"),
                                        _("Collected by"), _("Paid at")], rows=receipts))
    form = pdf.PaperForm(
        title=_("Invoice"), number=str(invoice["invoice_no"]), sections=sections,
        signatures=[pdf.Signature(_("Accountant"), "")],
        footer=_("Printed by the after-sales service system."),
    )
    return Response(pdf.render(form, lang), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{invoice_no}.pdf"'})
