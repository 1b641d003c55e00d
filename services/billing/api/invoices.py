"""Invoice routes: list, read, pay, void, mail; branch price lists (SPEC S10, S13).

Every invoice named by number is checked against the caller's branch (403), and a
listing covers only the caller's branch (a branchless head-office token: all of them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from shared.auth import ActorDep
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..schemas.invoices import (
    InvoiceOut,
    MailedIn,
    PaymentIn,
    PaymentResult,
    PriceListBody,
    PriceListOut,
    VoidIn,
)
from ..service import invoices as svc
from ..service import payments
from .params import AfterDoc, DocNo, PathCode, QueryCode
from .roles import Accountant, InvoiceReader, PaymentRecorder

router = APIRouter(tags=["invoices"])


@router.get("/invoices", response_model=list[InvoiceOut])
async def list_invoices(
    request: Request, response: Response,
    rt: RuntimeDep, actor: InvoiceReader, voucher_no: QueryCode = None,
    ref: QueryCode = None, branch: QueryCode = None,
    issued_on: Annotated[date | None, Query()] = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[InvoiceOut]:
    """Invoices of a voucher (or a contract/warranty ``ref``, a branch, a day) (S10, S13),
    by time raised then number; paged after the invoice number ``after``."""
    if not any((voucher_no, ref, branch, issued_on)):
        raise RuleBroken("give voucher_no, ref, branch or issued_on", field="voucher_no")
    async with rt.db.reading() as session:
        found = await svc.find_invoices(session, actor=actor, voucher_no=voucher_no, ref=ref,
                                        branch=branch, issued_on=issued_on, after=after,
                                        limit=limit + 1)
        found = page(request, response, found, limit=limit, cursor="after",
                     key=lambda i: i.invoice_no)  # CONTRACT "Lists"
        return [InvoiceOut.model_validate(await svc.describe(session, i)) for i in found]


@router.get("/invoices/{invoice_no}", response_model=InvoiceOut)
async def read_invoice(invoice_no: DocNo, rt: RuntimeDep, actor: InvoiceReader) -> InvoiceOut:
    """One invoice with its lines, payments and any void record (SPEC S10)."""
    async with rt.db.reading() as session:
        invoice = await svc.get_invoice(session, invoice_no, actor=actor)
        return InvoiceOut.model_validate(await svc.describe(session, invoice))


@router.post("/invoices/{invoice_no}/payments", response_model=PaymentResult,
             status_code=status.HTTP_201_CREATED)
async def pay_invoice(
    invoice_no: DocNo, body: PaymentIn, rt: RuntimeDep, actor: PaymentRecorder
) -> PaymentResult:
    """Record a payment and its receipt; a fully paid invoice becomes ``paid`` (SPEC S10).
    A ``paid_at`` older than the branch's desk window is refused (422, CT1) unless the
    branch manager records it with a ``backdate_reason``."""
    async with rt.db.transaction() as session:
        invoice, payment, balance = await payments.pay(
            rt.context, session, actor=actor, invoice_no=invoice_no, amount=body.amount,
            method=body.method, collected_by=body.collected_by, paid_at=body.paid_at,
            backdate_reason=body.backdate_reason,
        )
        return PaymentResult(receipt_no=payment.receipt_no, invoice_no=invoice_no,
                             amount=payment.amount, paid_at=payment.paid_at,
                             status=invoice.status, balance=balance,
                             recorded_at=payment.recorded_at,
                             backdated=payment.backdate_approved_by is not None,
                             backdate_approved_by=payment.backdate_approved_by)


@router.post("/invoices/{invoice_no}/void", response_model=InvoiceOut)
async def void_invoice(
    invoice_no: DocNo, body: VoidIn, rt: RuntimeDep, actor: Accountant
) -> InvoiceOut:
    """Void an invoice by a reversing record with the reason, never an edit (SPEC S10, §8)."""
    async with rt.db.transaction() as session:
        invoice = await payments.void(rt.context, session, actor=actor, invoice_no=invoice_no,
                                      reason=body.reason)
        await session.flush()
        return InvoiceOut.model_validate(await svc.describe(session, invoice))


@router.post("/invoices/{invoice_no}/mailed", response_model=InvoiceOut)
async def mail_invoice(
    invoice_no: DocNo, body: MailedIn, rt: RuntimeDep, actor: PaymentRecorder
) -> InvoiceOut:
    """Record that an invoice collected on site was mailed afterwards (SPEC S10); an
    ``at`` beyond the desk window needs the branch manager and a reason (CT1)."""
    async with rt.db.transaction() as session:
        invoice = await svc.mark_mailed(rt.context, session, actor=actor, invoice_no=invoice_no,
                                        at=body.at, backdate_reason=body.backdate_reason)
        return InvoiceOut.model_validate(await svc.describe(session, invoice))


@router.get("/price-lists/{branch}", response_model=PriceListOut, tags=["price lists"])
async def read_price_list(branch: PathCode, rt: RuntimeDep, _actor: ActorDep) -> PriceListOut:
    """A branch's fees for paid work: its own, else the defaults (SPEC S10/S13)."""
    rt.context.branch(branch)
    async with rt.db.reading() as session:
        prices = await svc.price_list(session, branch)
        stored = await svc.has_own_price_list(session, branch)
    return PriceListOut(branch=branch, visit_fee=prices.visit_fee,
                        labour_rate_per_hour=prices.labour_rate_per_hour, stored=stored)


@router.put("/price-lists/{branch}", response_model=PriceListOut, tags=["price lists"])
async def write_price_list(
    branch: PathCode, body: PriceListBody, rt: RuntimeDep, actor: Accountant
) -> PriceListOut:
    """Override a branch's visit fee and labour rate (SPEC S10/S13 [choice])."""
    async with rt.db.transaction() as session:
        prices = await svc.set_price_list(
            rt.context, session, actor=actor, branch=branch, visit_fee=body.visit_fee,
            labour_rate_per_hour=body.labour_rate_per_hour,
        )
    return PriceListOut(branch=branch, visit_fee=prices.visit_fee,
                        labour_rate_per_hour=prices.labour_rate_per_hour, stored=True)
