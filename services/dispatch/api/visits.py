"""Routes of visits: assign, arrive, complete on site, carry in (SPEC S8–S11, S19)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from ..schemas import (
    ArrivalOut,
    ArriveIn,
    AssignIn,
    CarryInIn,
    CarryInOut,
    CompleteIn,
    VoucherNo,
    VoucherOut,
)
from ..service import visits as service
from ..service import workshop

router = APIRouter(tags=["visits"])

Supervisor = Annotated[Actor, Depends(roles("supervisor"))]
Technician = Annotated[Actor, Depends(roles("technician"))]
# SPEC CT1: a supervisor records a visit on the technician's behalf when it is later than
# the device window allows (the approver of a back-dated entry must be the one who posts it).
OnSite = Annotated[Actor, Depends(roles("technician", "supervisor"))]


@router.post("/vouchers/{voucher_no}/assign", response_model=VoucherOut)
async def assign(
    voucher_no: VoucherNo, body: AssignIn, rt: RuntimeDep, actor: Supervisor
) -> VoucherOut:
    """Give the voucher to a technician of the branch, or reassign it before arrival (S8)."""
    async with rt.db.transaction() as session:
        voucher = await service.assign(rt.context, session, actor=actor, voucher_no=voucher_no,
                                       technician_id=body.technician_id)
        return VoucherOut.model_validate(voucher)


@router.post("/vouchers/{voucher_no}/arrive", response_model=ArrivalOut)
async def arrive(
    voucher_no: VoucherNo, body: ArriveIn, rt: RuntimeDep, actor: OnSite
) -> ArrivalOut:
    """Record arrival at the device's time ``at``; ``sla_met`` judges the deadline (S19).
    Older than the branch's device window: a supervisor with ``backdate_reason`` (CT1)."""
    async with rt.db.transaction() as session:
        v = await service.arrive(rt.context, session, actor=actor, voucher_no=voucher_no,
                                 at=body.at, backdate_reason=body.backdate_reason)
        assert v.arrived_at and v.arrival_recorded_at and v.sla_met is not None
        return ArrivalOut(voucher_no=v.voucher_no, arrived_at=v.arrived_at,
                          recorded_at=v.arrival_recorded_at, sla_met=v.sla_met,
                          arrival_due_at=v.arrival_due_at,
                          arrival_due_provisional=v.arrival_due_provisional,
                          recorded_by=v.arrival_recorded_by,
                          backdate_reason=v.arrival_backdate_reason,
                          backdate_approved_by=v.arrival_backdate_approved_by)


@router.post("/vouchers/{voucher_no}/complete", response_model=VoucherOut)
async def complete(
    voucher_no: VoucherNo, body: CompleteIn, rt: RuntimeDep, actor: OnSite
) -> VoucherOut:
    """Fixed on site: the customer signs, labour and parts are recorded (S9, S10); a B job
    names the failed ``component`` and the ``cause`` (E3/E4). A late ``at``: CT1."""
    async with rt.db.transaction() as session:
        voucher = await service.complete(rt.context, session, actor=actor, voucher_no=voucher_no,
                                         data=body)
        return VoucherOut.model_validate(voucher)


@router.post("/vouchers/{voucher_no}/carry-in", response_model=CarryInOut, status_code=201)
async def carry_in(
    voucher_no: VoucherNo, body: CarryInIn, rt: RuntimeDep, actor: Technician
) -> CarryInOut:
    """Not fixable on site: take the product back with a pick-up receipt (S11)."""
    async with rt.db.transaction() as session:
        card = await workshop.carry_in(rt.context, session, actor=actor, voucher_no=voucher_no,
                                       promised_on=body.promised_on, signed_by=body.signed_by,
                                       signature_image=body.signature_image)
        return CarryInOut(voucher_no=voucher_no, pickup_receipt_no=card.pickup_receipt_no or "",
                          repair_card_no=card.repair_card_no or "",
                          promised_on=card.promised_on)
