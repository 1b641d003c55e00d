"""Billing's HTTP routes (CONTRACT "Billing")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from . import service
from .schemas import VoucherOut

router = APIRouter()

Accounting = Annotated[Actor, Depends(roles("accountant", "admin"))]


@router.get("/vouchers/{voucher_no}", response_model=VoucherOut, tags=["vouchers"])
async def read_voucher(voucher_no: str, rt: RuntimeDep, _actor: Accounting) -> VoucherOut:
    """A voucher as billing knows it."""
    async with rt.db.reading() as session:
        return VoucherOut.model_validate(await service.get_voucher(session, voucher_no))
