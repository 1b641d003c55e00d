"""Billing's HTTP routes (CONTRACT "Billing"), one module per business concept."""

from __future__ import annotations

from fastapi import APIRouter

from shared.runtime import RuntimeDep

from .. import service
from ..schemas import VoucherOut
from . import contracts, deductions, invoices, ledger, pos, returns, warranties
from .roles import Accounting

router = APIRouter()
for _module in (invoices, contracts, warranties, returns, pos, ledger, deductions):
    router.include_router(_module.router)


@router.get("/vouchers/{voucher_no}", response_model=VoucherOut, tags=["vouchers"])
async def read_voucher(voucher_no: str, rt: RuntimeDep, _actor: Accounting) -> VoucherOut:
    """A voucher as billing knows it."""
    async with rt.db.reading() as session:
        return VoucherOut.model_validate(await service.get_voucher(session, voucher_no))
