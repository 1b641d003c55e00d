"""Voucher routes: a voucher as billing knows it, with its cover judgement (SPEC S10,
S13, E3)."""

from __future__ import annotations

from fastapi import APIRouter

from shared.runtime import RuntimeDep

from ..models import CoverCheck
from ..schemas.claims import CoverCheckOut, VoucherCoverOut
from ..service import vouchers as svc
from .params import DocNo
from .roles import Accounting

router = APIRouter(tags=["vouchers"])


@router.get("/vouchers/{voucher_no}", response_model=VoucherCoverOut)
async def read_voucher(voucher_no: DocNo, rt: RuntimeDep, actor: Accounting) -> VoucherCoverOut:
    """A voucher as billing knows it (the caller's branch only), and for a B call how its
    cover was judged: covered, or refused with the reason (SPEC E3)."""
    async with rt.db.reading() as session:
        voucher = await svc.get_voucher(session, voucher_no, actor=actor)
        check = await session.get(CoverCheck, voucher_no)
        out = VoucherCoverOut.model_validate(voucher)
        return out.model_copy(update={
            "cover": CoverCheckOut.model_validate(check) if check else None})
