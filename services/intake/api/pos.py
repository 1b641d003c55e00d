"""Routes for stores' POS (CONTRACT "POS", SPEC §7)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from ..models import PosReject
from ..service import pos as service

router = APIRouter(tags=["pos"])

Pos = Annotated[Actor, Depends(roles("pos"))]


def _answer(answer: service.PosAnswer) -> JSONResponse:
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/pos/events", status_code=201)
async def pos_event(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed POS message (sale, return_executed, allowance_executed), applied once."""
    body = await request.body()
    return _answer(await service.receive(rt, actor=actor, body=body, headers=request.headers))


@router.post("/pos/poslog", status_code=201)
async def pos_poslog(request: Request, rt: RuntimeDep, actor: Pos) -> JSONResponse:
    """A signed ARTS POSLog XML document of sales, each transaction applied once."""
    body = await request.body()
    return _answer(
        await service.receive(rt, actor=actor, body=body, headers=request.headers, poslog=True)
    )


@router.get("/pos/rejects")
async def pos_rejects(
    rt: RuntimeDep, _actor: Annotated[Actor, Depends(roles("admin"))],
    store_id: str | None = None,
) -> list[dict[str, Any]]:
    """Refused POS messages, kept verbatim for inspection, newest first."""
    async with rt.db.reading() as session:
        query = select(PosReject).order_by(PosReject.id.desc()).limit(500)
        if store_id:
            query = query.where(PosReject.store_id == store_id)
        return [
            {"id": r.id, "at": r.at, "store_id": r.store_id, "transaction_id": r.transaction_id,
             "status_code": r.status_code, "reason": r.reason, "field": r.field,
             "headers": r.headers, "body": r.body}
            for r in await session.scalars(query)
        ]
