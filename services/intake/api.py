"""Intake's HTTP routes (CONTRACT "Intake"): thin, authorise then call the service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from . import service
from .schemas import CallIn, CallOut, CustomerIn, CustomerOut, ProductIn, ProductOut

router = APIRouter()

FileKeeper = Annotated[Actor, Depends(roles("clerk", "counter", "admin"))]
Clerk = Annotated[Actor, Depends(roles("clerk"))]
RegisterReader = Annotated[
    Actor, Depends(roles("clerk", "supervisor", "service_dept", "branch_manager", "admin"))
]


@router.post("/customers", response_model=CustomerOut, status_code=201, tags=["customer file"])
async def create_customer(
    body: CustomerIn, rt: RuntimeDep, actor: FileKeeper, response: Response
) -> CustomerOut:
    """Open a customer file; the same phone in the same branch returns the existing one."""
    async with rt.db.transaction() as session:
        customer, created = await service.register_customer(rt, session, actor=actor, data=body)
        if not created:
            response.status_code = status.HTTP_200_OK
        return CustomerOut.model_validate(customer)


@router.post("/products", response_model=ProductOut, status_code=201, tags=["customer file"])
async def create_product(body: ProductIn, rt: RuntimeDep, actor: FileKeeper) -> ProductOut:
    """Register a product in a customer's file."""
    async with rt.db.transaction() as session:
        product = await service.register_product(rt, session, actor=actor, data=body)
        return ProductOut.model_validate(product)


@router.post("/calls", response_model=CallOut, status_code=201, tags=["calls"])
async def create_call(body: CallIn, rt: RuntimeDep, actor: Clerk) -> CallOut:
    """Register a repair call and issue its service voucher (SPEC S8, S6, S19)."""
    async with rt.db.transaction() as session:
        call = await service.register_call(rt, session, actor=actor, data=body)
        return CallOut.model_validate(call)


@router.get("/calls/{call_id}", response_model=CallOut, tags=["calls"])
async def read_call(call_id: int, rt: RuntimeDep, actor: RegisterReader) -> CallOut:
    """One call of the register."""
    async with rt.db.reading() as session:
        return CallOut.model_validate(await service.get_call(session, actor=actor, call_id=call_id))


@router.get("/calls", response_model=list[CallOut], tags=["calls"])
async def list_calls(
    rt: RuntimeDep,
    actor: RegisterReader,
    day: Annotated[date, Query(alias="date")],
    branch: str,
) -> list[CallOut]:
    """The day's repair-call register of a branch."""
    async with rt.db.reading() as session:
        calls = await service.register_of_day(rt, session, actor=actor, day=day, branch=branch)
        return [CallOut.model_validate(c) for c in calls]
