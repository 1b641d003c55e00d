"""Dispatch's papers as PDF (CONTRACT "Console"): the service voucher (服务凭证) with the
customer's drawn signature, the pick-up receipt (客户商品领取收据) and the repair card
(修护卡).

Each is read through the voucher's history use case, so the roles are those of the JSON
``GET /vouchers/{voucher_no}`` and the record's branch is checked the same way. Labels are
in the request's language (the branch's default: zh-Hans), text extractable.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from fastapi import Request
from fastapi.responses import Response

from shared.db import find_or_404
from shared.runtime import RuntimeDep
from shared.web import pdf
from shared.web.i18n import Formats

from ..api.board import VoucherReader
from ..models import RepairCard, Signature, Voucher
from ..schemas import RepairCardNo, VoucherNo
from ..service import board
from ..service.common import load_card
from . import router

Gettext = Callable[[str], str]


def _answer(form: pdf.PaperForm, lang: str, number: str) -> Response:
    return Response(pdf.render(form, lang), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{number}.pdf"'})


def _category(_: Gettext, code: str) -> str:
    return {"A": _("A (paid)"), "B": _("B (contract)"), "C": _("C (free, warranty)"),
            "D": _("D (internal admin)")}.get(code, code)


def _voucher_status(_: Gettext, code: str) -> str:
    return {"waiting": _("Waiting"), "assigned": _("Assigned"), "on_site": _("On site"),
            "in_workshop": _("In the workshop"), "completed": _("Completed"),
            "cancelled": _("Cancelled")}.get(code, code)


def _card_status(_: Gettext, code: str) -> str:
    return {"open": _("Being repaired"), "inspected": _("Inspected"),
            "returned": _("Returned to the customer")}.get(code, code)


def _signature_label(_: Gettext, sig: Signature) -> str:
    labels = {
        ("completion", "customer"): _("Customer's signature (fixed on site)"),
        ("completion", "technician"): _("Technician"),
        ("carry_in", "customer"): _("Customer's signature (product taken in)"),
        ("issue", "technician"): _("Issued by the technician"),
        ("inspection", "supervisor"): _("Inspected by the supervisor"),
        ("return", "customer"): _("Customer's signature (product returned)"),
    }
    return labels.get((sig.purpose, sig.signer_role), f"{sig.purpose} {sig.signer_role}")


def _signatures(_: Gettext, signatures: list[Signature], fmt: Formats) -> list[pdf.Signature]:
    return [pdf.Signature(_signature_label(_, s), f"{s.signer}  {fmt.datetime(s.signed_at)}",
                          s.image) for s in signatures]


def _customer(_: Gettext, v: Voucher) -> list[tuple[str, str]]:
    return [(_("Customer"), v.customer_name), (_("District"), v.district),
            (_("Product model"), v.model), (_("Symptom"), v.symptom)]


@router.get("/vouchers/{voucher_no}/pdf")
async def voucher_pdf(request: Request, voucher_no: VoucherNo, rt: RuntimeDep,
                      actor: VoucherReader) -> Response:
    """The service voucher: customer, product, category, times, parts, labour, signatures."""
    async with rt.db.reading() as session:
        found = await board.history(rt.context, session, actor=actor, voucher_no=voucher_no)
    v = found.voucher
    lang, _, fmt = request.app.state.console.paper(request, actor, v.branch)
    arrived = fmt.datetime(v.arrived_at)
    if v.arrived_at is not None:
        arrived += "  " + (_("in time") if v.sla_met else _("late"))
    modes = {"on_site": _("Fixed on site"), "carry_in": _("Taken to the workshop")}
    fields = [(_("Voucher number"), v.voucher_no), *_customer(_, v),
              (_("Category"), _category(_, v.category)),
              (_("Call received"), fmt.datetime(v.received_at)),
              (_("Arrival deadline"), fmt.datetime(v.arrival_due_at)),
              (_("Technician"), v.technician_id or ""), (_("Arrived"), arrived),
              (_("Completed"), fmt.datetime(v.completed_at)),
              (_("Service mode"), modes.get(v.service_mode or "", "")),
              (_("Status"), _voucher_status(_, v.status))]
    if found.repair_card is not None:
        fields.append((_("Repair card"), found.repair_card.repair_card_no or ""))
    total = sum((p.unit_price * p.quantity for p in found.parts), Decimal(0))
    rows = [[p.part_no, str(p.quantity), fmt.money(p.unit_price),
             fmt.money(p.unit_price * p.quantity)] for p in found.parts]
    labour = str(v.labour_minutes) if v.labour_minutes is not None else ""
    form = pdf.PaperForm(
        title=_("Service voucher"), number=v.voucher_no,
        sections=[
            pdf.Section(fields=fields),
            pdf.Section(title=_("Parts and labour"),
                        header=[_("Part number"), _("Quantity"), _("Unit price"),
                                _("Amount")], rows=rows),
            pdf.Section(fields=[(_("Labour (minutes)"), labour),
                                (_("Parts total"), fmt.money(total))]),
        ],
        signatures=_signatures(_, [s for s in found.signatures if s.document == "voucher"],
                               fmt),
        footer=f"{v.branch}  {_('Service voucher')} {v.voucher_no}",
    )
    return _answer(form, lang, v.voucher_no)


@router.get("/pickup-receipts/{pickup_receipt_no}/pdf")
async def pickup_receipt_pdf(request: Request, pickup_receipt_no: RepairCardNo,
                             rt: RuntimeDep, actor: VoucherReader) -> Response:
    """The pick-up receipt the customer keeps until the product comes back (S11)."""
    async with rt.db.reading() as session:
        card = await find_or_404(session, RepairCard, RepairCard.pickup_receipt_no,
                                 pickup_receipt_no, what="pick-up receipt",
                                 field="pickup_receipt_no")
        found = await board.history(rt.context, session, actor=actor,
                                    voucher_no=card.voucher_no)
    v = found.voucher
    lang, _, fmt = request.app.state.console.paper(request, actor, v.branch)
    fields = [(_("Pick-up receipt number"), card.pickup_receipt_no or ""),
              (_("Voucher number"), v.voucher_no),
              (_("Repair card"), card.repair_card_no or ""), *_customer(_, v),
              (_("Taken in"), fmt.datetime(card.opened_at)),
              (_("Promised date"), fmt.date(card.promised_on)),
              (_("Technician"), card.technician_id)]
    if card.receipt_voided_at is not None:
        fields.append((_("Voided: the product was returned"),
                       fmt.datetime(card.receipt_voided_at)))
    signed = [s for s in found.signatures
              if (s.document, s.purpose) in {("voucher", "carry_in"), ("pickup_receipt", "issue")}]
    form = pdf.PaperForm(
        title=_("Customer product pick-up receipt"), number=card.pickup_receipt_no or "",
        sections=[pdf.Section(fields=fields)], signatures=_signatures(_, signed, fmt),
        footer=_("Present this receipt to collect the product."),
    )
    return _answer(form, lang, card.pickup_receipt_no or "receipt")


@router.get("/repair-cards/{repair_card_no}/pdf")
async def repair_card_pdf(request: Request, repair_card_no: RepairCardNo, rt: RuntimeDep,
                          actor: VoucherReader) -> Response:
    """The repair card hung on the product: work, parts, inspection and return (S12)."""
    async with rt.db.reading() as session:
        card = await load_card(session, repair_card_no)
        found = await board.history(rt.context, session, actor=actor,
                                    voucher_no=card.voucher_no)
    v = found.voucher
    lang, _, fmt = request.app.state.console.paper(request, actor, v.branch)
    fields = [(_("Repair card"), repair_card_no), (_("Voucher number"), v.voucher_no),
              (_("Pick-up receipt number"), card.pickup_receipt_no or ""), *_customer(_, v),
              (_("Technician"), card.technician_id),
              (_("Taken in"), fmt.datetime(card.opened_at)),
              (_("Promised date"), fmt.date(card.promised_on)),
              (_("Status"), _card_status(_, card.status)),
              (_("Labour (minutes)"), str(found.labour_on_card)),
              (_("Inspected"), " ".join(filter(None, [fmt.datetime(card.inspected_at),
                                                      card.inspected_by or "",
                                                      card.inspection_note or ""]))),
              (_("Returned"), fmt.datetime(card.returned_at))]
    parts = [p for p in found.parts if p.repair_card_no == repair_card_no]
    signed = [s for s in found.signatures
              if (s.document == "repair_card" and s.document_no == repair_card_no)
              or (s.document, s.purpose) == ("voucher", "return")]
    form = pdf.PaperForm(
        title=_("Repair card"), number=repair_card_no,
        sections=[pdf.Section(fields=fields),
                  pdf.Section(title=_("Parts"),
                              header=[_("Part number"), _("Quantity"), _("Unit price")],
                              rows=[[p.part_no, str(p.quantity), fmt.money(p.unit_price)]
                                    for p in parts])],
        signatures=_signatures(_, signed, fmt),
        footer=f"{v.branch}  {_('Repair card')} {repair_card_no}",
    )
    return _answer(form, lang, repair_card_no)
