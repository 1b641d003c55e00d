"""Billing's HTTP routes (CONTRACT "Billing"), one module per business concept."""

from __future__ import annotations

from fastapi import APIRouter

from . import (
    claims,
    contracts,
    deductions,
    invoices,
    ledger,
    pos,
    returns,
    staff,
    vouchers,
    warranties,
)

router = APIRouter()
for _module in (invoices, vouchers, contracts, warranties, claims, returns, pos, ledger,
                deductions, staff):
    router.include_router(_module.router)
