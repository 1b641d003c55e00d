"""Voucher routes: a voucher as billing knows it (SPEC S10, S13)."""

from __future__ import annotations

from fastapi import APIRouter

from shared.runtime import RuntimeDep

from ..schemas import VoucherOut
from ..service import vouchers as svc
from .params import DocNo
from .roles import Accounting

router = APIRouter(tags=["vouchers"])


@router.get("/vouchers/{voucher_no}", response_model=VoucherOut)
async def read_voucher(voucher_no: DocNo, rt: RuntimeDep, actor: Accounting) -> VoucherOut:
    """A voucher as billing knows it (the caller's branch only)."""
    async with rt.db.reading() as session:
        return VoucherOut.model_validate(await svc.get_voucher(session, voucher_no, actor=actor))
