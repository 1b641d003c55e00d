"""The customer file in the browser (SPEC §1): a new customer with the first product,
the file with products, cover and calls, and a product added to it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response

from shared.auth import Actor
from shared.fields import PathId
from shared.rules import Refusal, RuleBroken
from shared.runtime import Runtime, RuntimeDep
from shared.web.i18n import LANGUAGE_NAMES

from ..schemas import ContactIn, CustomerIn, ProductIn
from ..service import customers as service
from ..service import pos_claims
from . import forms, router
from .common import (
    CALL_TAKERS,
    FILE_KEEPERS,
    REGISTER_READERS,
    FileKeeper,
    FileReader,
    back,
    branch_of,
    posted,
    read_form,
    render,
    today,
)

PRODUCT_INTS = ("warranty_months",)
# The languages a customer's letters can be written in, named in their own language.
LANGUAGES = list(LANGUAGE_NAMES.items())


def _districts(rt: Runtime, actor: Actor) -> list[str]:
    where = branch_of(rt, actor, None)
    return sorted(where.urban_districts | where.suburban_districts)


def _new_form(request: Request, rt: RuntimeDep, actor: Actor, *, values: dict[str, str],
              errors: dict[str, str], status_code: int = 200) -> HTMLResponse:
    values = {"language": branch_of(rt, actor, None).language, **values}
    response = render(request, "intake_customer_new.html", actor, values=values,
                      errors=errors, districts=_districts(rt, actor), letter_languages=LANGUAGES,
                      branches=sorted(rt.context.branches) if actor.branch is None else [])
    response.status_code = status_code
    return response


@forms.get("/customers/new", response_class=HTMLResponse)
async def new_customer_form(request: Request, rt: RuntimeDep, actor: FileKeeper,
                            phone: Annotated[str, Query(max_length=40)] = "",
                            name: Annotated[str, Query(max_length=120)] = "") -> HTMLResponse:
    """The form of a new customer file with its first product."""
    return _new_form(request, rt, actor, values={"phone": phone, "name": name,
                                                  "warranty_months": "12"}, errors={})


@forms.post("/customers/new", response_class=HTMLResponse)
async def new_customer(request: Request, rt: RuntimeDep, actor: FileKeeper) -> Response:
    """Open the file (the same phone in the branch finds the existing one, as the API
    does) and register the first product in it, in one unit of work."""
    data = await posted(request)
    data.setdefault("branch", actor.branch or "")
    customer_in, errors = read_form(CustomerIn, data)
    product_fields = {k: v for k, v in data.items() if k != "customer_id"}
    product_fields["customer_id"] = "1"  # checked once the file exists
    product_in, product_errors = read_form(ProductIn, product_fields,
                                         ints=(*PRODUCT_INTS, "customer_id"))
    errors.update(product_errors)
    if errors:
        return _new_form(request, rt, actor, values=data, errors=errors, status_code=422)
    try:
        async with rt.db.transaction() as session:
            customer, created = await service.register_customer(
                rt.context, session, actor=actor, data=customer_in)
            await service.register_product(
                rt.context, session, actor=actor,
                data=product_in.model_copy(update={"customer_id": customer.id}))
            customer_id = customer.id
    except RuleBroken as exc:
        return _new_form(request, rt, actor, values=data,
                         errors={exc.field or "form": exc.message}, status_code=422)
    return back(f"/customers/{customer_id}/file" + ("" if created else "?notice=existing"))


async def _file_page(request: Request, rt: RuntimeDep, actor: Actor, customer_id: int, *,
                     values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                     contact_values: dict[str, str] | None = None,
                     contact_errors: dict[str, str] | None = None,
                     status_code: int = 200) -> HTMLResponse:
    async with rt.db.reading() as session:
        found = await service.customer_file(session, actor=actor, customer_id=customer_id)
        calls = (await service.calls_of_customer(session, actor=actor, customer_id=customer_id)
                 if actor.role in REGISTER_READERS else [])
    where = rt.context.branch(found.customer.branch)
    day = today(rt, where)
    context: dict[str, Any] = {
        "file": found, "customer": found.customer, "calls": calls, "day": day,
        "would_be": service.categories_on(found, day),
        "show_calls": actor.role in REGISTER_READERS, "may_keep": actor.role in FILE_KEEPERS,
        "may_call": actor.role in CALL_TAKERS and found.customer.merged_into is None,
        "notice": request.query_params.get("notice"),
        "values": values or {"warranty_months": "12"}, "errors": errors or {},
        "letter_languages": LANGUAGES, "language_names": LANGUAGE_NAMES,
        "contact_values": contact_values or {
            "email": found.customer.email or "",
            "language": found.customer.language or where.language},
        "contact_errors": contact_errors or {},
    }
    response = render(request, "intake_customer_file.html", actor, **context)
    response.status_code = status_code
    return response


@router.get("/customers/{customer_id}/file", response_class=HTMLResponse)
async def customer_file(request: Request, customer_id: PathId, rt: RuntimeDep,
                        actor: FileReader) -> HTMLResponse:
    """The customer file: products with warranty end and cover, the history of calls."""
    return await _file_page(request, rt, actor, customer_id)


@router.post("/customers/{customer_id}/products", response_class=HTMLResponse)
async def add_product(request: Request, customer_id: PathId, rt: RuntimeDep,
                      actor: FileKeeper) -> Response:
    """Register another product in the file."""
    async with rt.db.reading() as session:  # the file is the caller's, before anything
        await service.customer_file(session, actor=actor, customer_id=customer_id)
    data = await posted(request)
    data["customer_id"] = str(customer_id)
    product_in, errors = read_form(ProductIn, data, ints=(*PRODUCT_INTS, "customer_id"))
    if product_in is not None:
        try:
            async with rt.db.transaction() as session:
                await service.register_product(rt.context, session, actor=actor,
                                               data=product_in)
        except RuleBroken as exc:
            errors = {exc.field or "form": exc.message}
    if errors:
        return await _file_page(request, rt, actor, customer_id, values=data, errors=errors,
                                status_code=422)
    return back(f"/customers/{customer_id}/file")


@router.post("/customers/{customer_id}/contact/page", response_class=HTMLResponse)
async def save_contact(request: Request, customer_id: PathId, rt: RuntimeDep,
                       actor: FileKeeper) -> Response:
    """Correct the customer's e-mail and the language of their letters (issue 14)."""
    data = await posted(request)
    contact_in, errors = read_form(ContactIn, data)
    if contact_in is not None:
        try:
            async with rt.db.transaction() as session:
                await service.update_contact(rt.context, session, actor=actor,
                                             customer_id=customer_id, data=contact_in)
        except Refusal as exc:
            errors = {exc.field or "form": exc.message}
    if errors:
        return await _file_page(request, rt, actor, customer_id, contact_values=data,
                                contact_errors=errors, status_code=422)
    return back(f"/customers/{customer_id}/file")


@router.post("/customers/{customer_id}/claim-product/page", response_class=HTMLResponse)
async def claim_product(request: Request, customer_id: PathId, rt: RuntimeDep,
                        actor: FileKeeper) -> Response:
    """Attach an anonymous POS sale to this file by the serial the caller gives (issue 15)."""
    data = await posted(request)
    serial = data.get("serial", "").strip()
    errors: dict[str, str] = {}
    if not serial or len(serial) > 80:
        errors = {"serial": "give the serial number on the appliance"}
    else:
        try:
            async with rt.db.transaction() as session:
                await pos_claims.claim_product(rt.context, session, actor=actor,
                                               customer_id=customer_id, serial=serial)
        except Refusal as exc:
            errors = {exc.field or "form": exc.message}
    if errors:
        return await _file_page(request, rt, actor, customer_id, values=data, errors=errors,
                                status_code=422)
    return back(f"/customers/{customer_id}/file")
