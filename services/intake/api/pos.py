"""Routes for stores' POS (CONTRACT "POS", SPEC §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from shared.auth import Actor, roles
from shared.errors import ErrorBody
from shared.fields import INT_MAX, Code
from shared.runtime import RuntimeDep

from ..schemas import PosRejectOut
from ..service import pos as service
from .paging import DEFAULT_LIMIT, Limit, link_next

router = APIRouter(tags=["pos"])

Pos = Annotated[Actor, Depends(roles("pos"))]
# Besides the common refusals: a replay answers the first answer, a body that is not
# JSON (or XML) is 400, a bad signature 401 (CONTRACT "POS").
_ANSWERS: dict[int | str, dict[str, object]] = {
    200: {"description": "a replay: the first answer (header Idempotent-Replayed)"},
    400: {"model": ErrorBody, "description": "the body is not a JSON object"},
}


def _answer(answer: service.PosAnswer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/pos/events", status_code=201, responses=_ANSWERS)
async def pos_event(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed POS message (sale, return_executed, allowance_executed), applied once."""
    body = await request.body()
    return _answer(await service.receive(rt.context, rt.db.transaction, actor=actor,
                                         body=body, headers=request.headers))


@router.post("/pos/poslog", status_code=201, responses=_ANSWERS)
async def pos_poslog(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed ARTS POSLog XML document of sales, each transaction applied once."""
    body = await request.body()
    return _answer(await service.receive(rt.context, rt.db.transaction, actor=actor,
                                         body=body, headers=request.headers, poslog=True))


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
    if len(rows) > limit:
        rows = rows[:limit]
        link_next(request, response, cursor="before_id", value=rows[-1].id)
    return [PosRejectOut.model_validate(r) for r in rows]
