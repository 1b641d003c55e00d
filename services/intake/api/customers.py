"""Routes of the customer file (SPEC §1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from shared.auth import Actor, roles
from shared.fields import PathId
from shared.runtime import RuntimeDep

from ..schemas import (
    ContactIn,
    CoverOut,
    CustomerFileOut,
    CustomerIn,
    CustomerOut,
    MergeIn,
    ProductFileOut,
    ProductIn,
    ProductOut,
)
from ..service import customers as service

router = APIRouter(tags=["customer file"])

FileKeeper = Annotated[Actor, Depends(roles("clerk", "counter", "admin"))]
FileReader = Annotated[
    Actor, Depends(roles("clerk", "counter", "supervisor", "service_dept", "branch_manager",
                         "admin"))
]


@router.post("/customers", response_model=CustomerOut, status_code=201,
             responses={200: {"model": CustomerOut, "description": "the existing file"}})
async def create_customer(
    body: CustomerIn, rt: RuntimeDep, actor: FileKeeper, response: Response
) -> CustomerOut:
    """Open a customer file; the same phone in the same branch returns the existing one."""
    async with rt.db.transaction() as session:
        customer, created = await service.register_customer(
            rt.context, session, actor=actor, data=body)
        if not created:
            response.status_code = status.HTTP_200_OK
        return CustomerOut.model_validate(customer)


@router.get("/customers/{customer_id}", response_model=CustomerFileOut)
async def read_customer(customer_id: PathId, rt: RuntimeDep,
                        actor: FileReader) -> CustomerFileOut:
    """The customer file: products, what covers each, calls and merged duplicates."""
    async with rt.db.reading() as session:
        return _file(await service.customer_file(session, actor=actor, customer_id=customer_id))


@router.post("/customers/{customer_id}/merge", response_model=CustomerFileOut)
async def merge_customer(
    customer_id: PathId, body: MergeIn, rt: RuntimeDep, actor: FileKeeper
) -> CustomerFileOut:
    """Merge a duplicate file into this one; products and calls move, history stays."""
    async with rt.db.transaction() as session:
        await service.merge_customers(
            rt.context, session, actor=actor, survivor_id=customer_id,
            duplicate_id=body.duplicate_id,
        )
        return _file(await service.customer_file(session, actor=actor, customer_id=customer_id))


@router.put("/customers/{customer_id}/contact", response_model=CustomerOut)
async def update_contact(customer_id: PathId, body: ContactIn, rt: RuntimeDep,
                         actor: FileKeeper) -> CustomerOut:
    """Set the customer's e-mail (none: letters go by post) and letter language (issue 14)."""
    async with rt.db.transaction() as session:
        customer = await service.update_contact(rt.context, session, actor=actor,
                                                customer_id=customer_id, data=body)
        return CustomerOut.model_validate(customer)


@router.post("/products", response_model=ProductOut, status_code=201)
async def create_product(body: ProductIn, rt: RuntimeDep, actor: FileKeeper) -> ProductOut:
    """Register a product in a customer's file."""
    async with rt.db.transaction() as session:
        product = await service.register_product(rt.context, session, actor=actor, data=body)
        return ProductOut.model_validate(product)


def _file(found: service.CustomerFile) -> CustomerFileOut:
    customer = found.customer
    base = CustomerOut.model_validate(customer).model_dump()
    return CustomerFileOut(
        **base, merged_at=customer.merged_at, merged_by=customer.merged_by,
        products=[
            ProductFileOut(
                **ProductOut.model_validate(p).model_dump(),
                covers=[CoverOut.model_validate(c) for c in found.covers[p.id]],
            )
            for p in found.products
        ],
        call_ids=found.call_ids, merged_duplicates=found.merged_duplicates,
    )
