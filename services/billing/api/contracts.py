"""Maintenance-contract routes: open, read, expiry notices (SPEC S6 B, S20)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas.contracts import ContractIn, ContractOut, ExpiryNoticeOut
from ..service import contracts as svc
from .params import AfterId, DocNo
from .roles import Accountant, ContractReader

router = APIRouter(tags=["contracts"])


@router.post("/contracts", response_model=ContractOut, status_code=status.HTTP_201_CREATED)
async def open_contract(body: ContractIn, rt: RuntimeDep, actor: Accountant) -> ContractOut:
    """Open a maintenance contract; its product's calls become category B (SPEC S6 B)."""
    async with rt.db.transaction() as session:
        contract = await svc.open_contract(
            rt.context, session, actor=actor, branch=body.branch, customer_id=body.customer_id,
            product_id=body.product_id, starts_on=body.starts_on, ends_on=body.ends_on,
            fee=body.fee,
        )
        return ContractOut.model_validate(contract)


@router.get("/contracts/expiry-notices", response_model=list[ExpiryNoticeOut])
async def list_expiry_notices(
    request: Request, response: Response,
    branch: str, rt: RuntimeDep, _actor: ContractReader,
    limit: Limit = DEFAULT_LIMIT, after_id: AfterId = 0,
) -> list[ExpiryNoticeOut]:
    """A branch's contract expiry notices, sent one month before the end (SPEC S20),
    oldest first; paged after the notice ``after_id``."""
    rt.context.branch(branch)  # and current_actor refused another branch than the caller's
    async with rt.db.reading() as session:
        found = await svc.expiry_notices(session, branch=branch, after_id=after_id,
                                         limit=limit + 1)
    found = page(request, response, found, limit=limit, cursor="after_id",
                 key=lambda n: n.id)  # CONTRACT "Lists"
    return [ExpiryNoticeOut.model_validate(n) for n in found]


@router.get("/contracts/{contract_no}", response_model=ContractOut)
async def read_contract(
    contract_no: DocNo, rt: RuntimeDep, actor: ContractReader
) -> ContractOut:
    """One maintenance contract (SPEC S6 B)."""
    async with rt.db.reading() as session:
        return ContractOut.model_validate(
            await svc.get_contract(session, contract_no, actor=actor))
