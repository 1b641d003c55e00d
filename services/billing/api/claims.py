"""Claims for covered work and replacement requests (SPEC E4, E5): the accountant lists
and settles claims; the branch manager decides replacements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..models import WarrantyClaim
from ..schemas.claims import (
    ApproveIn,
    ClaimOut,
    RefuseIn,
    ReplacementOut,
    SettleIn,
    SubmitIn,
)
from ..service import claims as svc
from ..service import replacements
from .params import AfterDoc, DocNo, QueryCode
from .roles import Accountant, ClaimReader, ReplacementApprover

router = APIRouter(tags=["claims"])

ClaimStatus = Annotated[
    str | None, Query(pattern="^(open|submitted|paid|rejected|booked)$")]
RequestStatus = Annotated[str | None, Query(pattern="^(pending|approved|refused)$")]


@router.get("/claims", response_model=list[ClaimOut])
async def list_claims(
    request: Request, response: Response,
    rt: RuntimeDep, actor: ClaimReader, branch: QueryCode = None, status: ClaimStatus = None,
    provider: QueryCode = None, voucher_no: QueryCode = None,
    limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[ClaimOut]:
    """Claims of covered work in the caller's branch, by status or provider (SPEC E5),
    oldest first; paged after the claim ``after``."""
    async with rt.db.reading() as session:
        found = await svc.find_claims(session, actor=actor, branch=branch, status=status,
                                      provider=provider, voucher_no=voucher_no, after=after,
                                      limit=limit + 1)
        found = page(request, response, found, limit=limit, cursor="after",
                     key=lambda c: c.claim_no)  # CONTRACT "Lists"
        return [await _out(session, c) for c in found]


@router.get("/claims/{claim_no}", response_model=ClaimOut)
async def read_claim(claim_no: DocNo, rt: RuntimeDep, actor: ClaimReader) -> ClaimOut:
    """One claim with its costed lines (SPEC E5)."""
    async with rt.db.reading() as session:
        return await _out(session, await svc.get_claim(session, claim_no, actor=actor))


@router.post("/claims/{claim_no}/submit", response_model=ClaimOut)
async def submit_claim(
    claim_no: DocNo, body: SubmitIn, rt: RuntimeDep, actor: Accountant
) -> ClaimOut:
    """Send an open claim to its provider (SPEC E5); 409 unless open."""
    async with rt.db.transaction() as session:
        claim = await svc.submit(rt.context, session, actor=actor, claim_no=claim_no,
                                 provider_ref=body.provider_ref)
        return await _out(session, claim)


@router.post("/claims/{claim_no}/settle", response_model=ClaimOut)
async def settle_claim(
    claim_no: DocNo, body: SettleIn, rt: RuntimeDep, actor: Accountant
) -> ClaimOut:
    """Record the provider's answer: paid or rejected (SPEC E5); 409 unless submitted."""
    async with rt.db.transaction() as session:
        claim = await svc.settle(rt.context, session, actor=actor, claim_no=claim_no,
                                 paid=body.outcome == "paid", note=body.note)
        return await _out(session, claim)


@router.get("/replacements", response_model=list[ReplacementOut])
async def list_replacements(
    request: Request, response: Response,
    rt: RuntimeDep, actor: ClaimReader, branch: QueryCode = None,
    status: RequestStatus = None, limit: Limit = DEFAULT_LIMIT, after: AfterDoc = None,
) -> list[ReplacementOut]:
    """Replacement requests of unrepairable covered units in the caller's branch (E4),
    oldest first; paged after the request ``after``."""
    async with rt.db.reading() as session:
        found = await replacements.find_requests(session, actor=actor, branch=branch,
                                                 status=status, after=after, limit=limit + 1)
    found = page(request, response, found, limit=limit, cursor="after",
                 key=lambda r: r.request_no)  # CONTRACT "Lists"
    return [ReplacementOut.model_validate(r) for r in found]


@router.get("/replacements/{request_no}", response_model=ReplacementOut)
async def read_replacement(
    request_no: DocNo, rt: RuntimeDep, actor: ClaimReader
) -> ReplacementOut:
    """One replacement request with who decided it and when (SPEC E4)."""
    async with rt.db.reading() as session:
        return ReplacementOut.model_validate(
            await replacements.get_request(session, request_no, actor=actor))


@router.post("/replacements/{request_no}/approve", response_model=ReplacementOut)
async def approve_replacement(
    request_no: DocNo, body: ApproveIn, rt: RuntimeDep, actor: ReplacementApprover
) -> ReplacementOut:
    """The branch manager approves the replacement (SPEC E4): the warranty notes the
    replaced unit and the unit is claimed against the cover (E5); 409 once decided."""
    async with rt.db.transaction() as session:
        request = await replacements.decide(
            rt.context, session, actor=actor, request_no=request_no, approve=True,
            note=body.note, provider_ref=body.provider_ref)
        return ReplacementOut.model_validate(request)


@router.post("/replacements/{request_no}/refuse", response_model=ReplacementOut)
async def refuse_replacement(
    request_no: DocNo, body: RefuseIn, rt: RuntimeDep, actor: ReplacementApprover
) -> ReplacementOut:
    """The branch manager refuses the replacement with a reason (SPEC E4)."""
    async with rt.db.transaction() as session:
        request = await replacements.decide(
            rt.context, session, actor=actor, request_no=request_no, approve=False,
            note=body.reason)
        return ReplacementOut.model_validate(request)


async def _out(session: AsyncSession, claim: WarrantyClaim) -> ClaimOut:
    lines = await svc.claim_lines(session, claim.claim_no)
    fields = {n: getattr(claim, n) for n in ClaimOut.model_fields if n != "lines"}
    return ClaimOut.model_validate({**fields, "lines": lines})
