"""Who may do what in billing (SPEC §8: only accountants book; the warehouse receives).

Approvals of allowance certificates come from the roles the seed names: (vice) manager
level ``sales_manager``/``branch_manager`` and (vice) GM level ``vice_gm``/``gm``
(SPEC C13.1(1)).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shared.auth import Actor, roles

Accountant = Annotated[Actor, Depends(roles("accountant"))]
Accounting = Annotated[Actor, Depends(roles("accountant", "admin"))]
InvoiceReader = Annotated[Actor, Depends(roles(
    "accountant", "cashier", "clerk", "supervisor", "branch_manager", "service_dept", "counter",
    "counter_lead", "admin",
))]
ContractReader = Annotated[Actor, Depends(roles(
    "accountant", "clerk", "supervisor", "branch_manager", "service_dept", "admin",
))]
WarrantySeller = Annotated[Actor, Depends(roles("counter", "accountant"))]
Warehouse = Annotated[Actor, Depends(roles("warehouse"))]
Approver = Annotated[Actor, Depends(roles("sales_manager", "branch_manager", "vice_gm", "gm"))]
# SPEC C13.1(2)b: a return slip's (vice) manager; which of the two, per profile, is domain's.
SlipApprover = Annotated[Actor, Depends(roles("sales_manager", "branch_manager"))]
SignatureTaker = Annotated[Actor, Depends(roles(
    "sales", "sales_manager", "counter", "counter_lead", "accountant",
))]
ReturnsReader = Annotated[Actor, Depends(roles(
    "accountant", "warehouse", "sales", "sales_manager", "branch_manager", "vice_gm", "gm",
    "gm_office", "admin",
))]
RatioSetter = Annotated[Actor, Depends(roles("sales", "sales_manager", "accountant"))]
LedgerReader = Annotated[Actor, Depends(roles(
    "accountant", "branch_manager", "vice_gm", "gm", "admin",
))]
RateReader = Annotated[Actor, Depends(roles(
    "accountant", "sales_manager", "sales", "vice_gm", "gm", "admin",
))]
# SPEC E4/E5: claims are the accountant's; the branch manager decides replacements.
ClaimReader = Annotated[Actor, Depends(roles(
    "accountant", "branch_manager", "vice_gm", "gm", "admin",
))]
ReplacementApprover = Annotated[Actor, Depends(roles("branch_manager"))]
# SPEC CT1: a payment (or mailing) entered later than the branch's desk window is
# recorded by the branch manager, who approves it with a reason.
PaymentRecorder = Annotated[Actor, Depends(roles("accountant", "branch_manager"))]
