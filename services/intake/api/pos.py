"""Routes for stores' POS (CONTRACT "POS", SPEC §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from shared.auth import Actor, roles
from shared.errors import ErrorBody
from shared.fields import INT_MAX, Code, PathId
from shared.paging import DEFAULT_LIMIT, Limit, page
from shared.runtime import RuntimeDep

from ..schemas import ClaimIn, PosRejectOut, ProductOut
from ..service import pos as service
from ..service import pos_claims, pos_log

router = APIRouter(tags=["pos"])

Pos = Annotated[Actor, Depends(roles("pos"))]
# Besides the common refusals: a replay answers the first answer, a body that is not
# JSON (or XML) is 400, a bad signature 401 (CONTRACT "POS").
_ANSWERS: dict[int | str, dict[str, object]] = {
    200: {"description": "a replay: the first answer (header Idempotent-Replayed)"},
    400: {"model": ErrorBody, "description": "the body is not a JSON object"},
}


def _answer(answer: service.PosAnswer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else {}
    if answer.summary is not None:  # issue 15: how many transactions became what
        headers["POSLog-Counts"] = ", ".join(f"{k}={v}" for k, v in
                                             sorted(answer.summary.items()))
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/pos/events", status_code=201, responses=_ANSWERS)
async def pos_event(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed POS message (sale, return_executed, allowance_executed), applied once."""
    body = await request.body()
    return _answer(await service.receive(rt.context, rt.db.transaction, actor=actor,
                                         body=body, headers=request.headers))


@router.post("/pos/poslog", status_code=201, responses=_ANSWERS)
async def pos_poslog(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed ARTS POSLog XML document (2.x or V6): each transaction applied once and
    answered with what became of it (registered, replay, skipped and why, refused)."""
    body = await request.body()
    return _answer(await pos_log.receive_poslog(rt.context, rt.db.transaction, actor=actor,
                                                body=body, headers=request.headers))


@router.post("/customers/{customer_id}/claim-product", response_model=ProductOut)
async def claim_product(
    customer_id: PathId, body: ClaimIn, rt: RuntimeDep,
    actor: Annotated[Actor, Depends(roles("clerk", "counter", "admin"))],
) -> ProductOut:
    """Attach an anonymously sold product, by its serial, to the caller's file (issue 15:
    the first caller giving the serial claims it, with its warranty)."""
    async with rt.db.transaction() as session:
        product = await pos_claims.claim_product(rt.context, session, actor=actor,
                                                 customer_id=customer_id, serial=body.serial)
        return ProductOut.model_validate(product)


@router.get("/pos/rejects", response_model=list[PosRejectOut])
async def pos_rejects(
    request: Request,
    response: Response,
    rt: RuntimeDep,
    _actor: Annotated[Actor, Depends(roles("admin"))],
    store_id: Code | None = None,
    limit: Limit = DEFAULT_LIMIT,
    before_id: Annotated[int | None, Query(ge=1, le=INT_MAX)] = None,
) -> list[PosRejectOut]:
    """Refused POS messages (headers, size, hash, first 4 kB), newest first, paged."""
    async with rt.db.reading() as session:
        rows = await service.rejects(session, store_id=store_id, before_id=before_id,
                                     limit=limit + 1)
    rows = page(request, response, rows, limit=limit, cursor="before_id",
                key=lambda row: row.id)  # CONTRACT "Lists"
    return [PosRejectOut.model_validate(r) for r in rows]
