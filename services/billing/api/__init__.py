"""Billing's HTTP routes (CONTRACT "Billing"), one module per business concept."""

from __future__ import annotations

from fastapi import APIRouter

from . import contracts, deductions, invoices, ledger, pos, returns, vouchers, warranties

router = APIRouter()
for _module in (invoices, vouchers, contracts, warranties, returns, pos, ledger, deductions):
    router.include_router(_module.router)
