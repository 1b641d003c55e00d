"""Selling cover in the browser: the extended-warranty quote and sale at the counter (SPEC
E1–E4), maintenance contracts (SPEC S6 B, S20) and the branch's price list for paid work
(SPEC S10/S13). The same use cases and roles as ``api/warranties.py``,
``api/contracts.py`` and ``api/invoices.py``.

Console paths differ from the JSON ones (``/warranties``, ``/maintenance-contracts``,
``/prices``) because ``/extended-warranties/{no}``, ``/contracts/{no}`` and
``/price-lists/{branch}`` already read a document by the segment that follows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from shared.auth import ROLES, Actor, roles
from shared.fields import INT_MAX, PastDate
from shared.money import MoneyIn
from shared.rules import RuleBroken
from shared.runtime import RuntimeDep

from ..api.params import DocNo, PathCode, QueryCode
from ..api.roles import Accountant, ContractReader, WarrantySeller
from ..service import contracts, warranties
from ..service import invoices as prices
from . import router
from .invoices import today

WARRANTIES = "/warranties"
CONTRACTS = "/maintenance-contracts"
PRICES = "/prices"
SELLERS = frozenset({"counter", "accountant"})
# Quotes, cover terms and fees are public to staff, as on the JSON routes; named roles all
# the same (every console route names its roles, tests/test_every_route_is_guarded.py).
Staff = Annotated[Actor, Depends(roles(*sorted(ROLES)))]
# A record id typed in a form arrives as text: not strict like the JSON ``RecordId``.
FormId = Annotated[int, Field(ge=1, le=INT_MAX)]


class WarrantyForm(BaseModel):
    customer_id: FormId
    product_id: FormId
    product_price: MoneyIn
    years: int = Field(ge=1, le=5)
    maker_warranty_ends_on: PastDate


class ContractForm(BaseModel):
    customer_id: FormId
    product_id: FormId
    starts_on: PastDate
    ends_on: PastDate
    fee: MoneyIn


class PriceForm(BaseModel):
    visit_fee: MoneyIn
    labour_rate_per_hour: MoneyIn


# -- extended warranties (SPEC E1–E4) ------------------------------------------------------

@router.get(WARRANTIES, response_class=HTMLResponse)
async def warranties_page(
    request: Request, rt: RuntimeDep, actor: Staff,
    product_price: Annotated[str | None, Query(max_length=20)] = None,
    years: Annotated[int | None, Query(ge=1, le=5)] = None, warranty_no: QueryCode = None,
) -> Response:
    """The quote (any signed-in role, like the JSON quote) and, for the counter, the sale."""
    if warranty_no:
        return RedirectResponse(f"{WARRANTIES}/{warranty_no}", status_code=303)
    quoted: Decimal | None = None
    error: str | None = None
    if product_price and years:
        try:
            quoted = warranties.quote(product_price=product_price, years=years)
        except RuleBroken as exc:  # shown beside the form, not as an error page
            error = str(exc)
    return request.app.state.console.render(
        request, "billing_warranties.html", actor=actor, product_price=product_price or "",
        years=years or 1, quoted=quoted, error=error,
        may_sell=actor.role in SELLERS and actor.branch is not None)


@router.post(WARRANTIES, response_class=HTMLResponse)
async def sell_warranty(rt: RuntimeDep, actor: WarrantySeller,
                        form: Annotated[WarrantyForm, Form()]) -> Response:
    """Sell an extended warranty at the counter of the caller's branch (SPEC E1)."""
    async with rt.db.transaction() as session:
        warranty = await warranties.open_warranty(
            rt.context, session, actor=actor, branch=str(actor.branch),
            customer_id=form.customer_id, product_id=form.product_id,
            product_price=form.product_price, years=form.years,
            maker_warranty_ends_on=form.maker_warranty_ends_on, channel="counter")
        warranty_no = warranty.warranty_no
    return RedirectResponse(f"{WARRANTIES}/{warranty_no}", status_code=303)


@router.get(f"{WARRANTIES}/{{warranty_no}}", response_class=HTMLResponse)
async def warranty_page(warranty_no: DocNo, request: Request, rt: RuntimeDep,
                        actor: Staff) -> HTMLResponse:
    """One extended warranty with the cover it gives (SPEC E2–E4)."""
    async with rt.db.reading() as session:
        warranty = await warranties.get_warranty(session, warranty_no, actor=actor)
    return request.app.state.console.render(
        request, "billing_warranty.html", actor=actor, warranty=warranty,
        cover=warranties.cover_terms())


# -- maintenance contracts (SPEC S6 B, S20) ------------------------------------------------

@router.get(CONTRACTS, response_class=HTMLResponse)
async def contracts_page(request: Request, rt: RuntimeDep, actor: ContractReader,
                         contract_no: QueryCode = None) -> Response:
    """Open a contract (the accountant) or find one by its number (SPEC S6 B)."""
    if contract_no:
        return RedirectResponse(f"{CONTRACTS}/{contract_no}", status_code=303)
    return request.app.state.console.render(
        request, "billing_contracts.html", actor=actor, contract=None,
        today=today(rt, actor), may_open=actor.role == "accountant" and bool(actor.branch))


@router.post(CONTRACTS, response_class=HTMLResponse)
async def open_contract(rt: RuntimeDep, actor: Accountant,
                        form: Annotated[ContractForm, Form()]) -> Response:
    """Open a maintenance contract in the caller's branch (SPEC S6 B)."""
    async with rt.db.transaction() as session:
        contract = await contracts.open_contract(
            rt.context, session, actor=actor, branch=str(actor.branch),
            customer_id=form.customer_id, product_id=form.product_id,
            starts_on=form.starts_on, ends_on=form.ends_on, fee=form.fee)
        contract_no = contract.contract_no
    return RedirectResponse(f"{CONTRACTS}/{contract_no}", status_code=303)


@router.get(f"{CONTRACTS}/{{contract_no}}", response_class=HTMLResponse)
async def contract_page(contract_no: DocNo, request: Request, rt: RuntimeDep,
                        actor: ContractReader) -> HTMLResponse:
    """One maintenance contract and its expiry notice (SPEC S6 B, S20)."""
    async with rt.db.reading() as session:
        contract = await contracts.get_contract(session, contract_no, actor=actor)
    return request.app.state.console.render(
        request, "billing_contracts.html", actor=actor, contract=contract,
        today=today(rt, actor), may_open=False)


# -- price lists (SPEC S10/S13) ------------------------------------------------------------

@router.get(PRICES, response_class=HTMLResponse)
async def prices_page(request: Request, actor: Staff) -> Response:
    """The caller's branch's price list (head office: the first branch's)."""
    branch = actor.branch or next(iter(request.app.state.console.runtime.branches))
    return RedirectResponse(f"{PRICES}/{branch}", status_code=303)


@router.get(f"{PRICES}/{{branch}}", response_class=HTMLResponse)
async def price_list_page(branch: PathCode, request: Request, rt: RuntimeDep,
                          actor: Staff) -> HTMLResponse:
    """A branch's fees for paid work, its own or the defaults; the accountant edits them."""
    rt.context.branch(branch)
    async with rt.db.reading() as session:
        found = await prices.price_list(session, branch)
        stored = await prices.has_own_price_list(session, branch)
    listing: dict[str, Any] = {"branch": branch, "visit_fee": found.visit_fee,
                               "labour_rate_per_hour": found.labour_rate_per_hour,
                               "stored": stored}
    return request.app.state.console.render(
        request, "billing_prices.html", actor=actor, prices=listing,
        branches=sorted(rt.branches) if actor.branch is None else [actor.branch],
        may_edit=actor.role == "accountant" and actor.may_act_in(branch))


@router.post(f"{PRICES}/{{branch}}", response_class=HTMLResponse)
async def put_price_list(branch: PathCode, rt: RuntimeDep, actor: Accountant,
                         form: Annotated[PriceForm, Form()]) -> Response:
    """Override the branch's visit fee and labour rate (SPEC S10/S13 [choice])."""
    async with rt.db.transaction() as session:
        await prices.set_price_list(rt.context, session, actor=actor, branch=branch,
                                    visit_fee=form.visit_fee,
                                    labour_rate_per_hour=form.labour_rate_per_hour)
    return RedirectResponse(f"{PRICES}/{branch}", status_code=303)
