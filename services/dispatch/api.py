"""Dispatch's HTTP routes (CONTRACT "Dispatch")."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shared.auth import Actor, roles
from shared.runtime import RuntimeDep

from . import service
from .schemas import BoardLine

router = APIRouter()

BoardReader = Annotated[
    Actor, Depends(roles("supervisor", "clerk", "technician", "branch_manager", "admin"))
]


@router.get("/board", response_model=list[BoardLine], tags=["board"])
async def read_board(branch: str, rt: RuntimeDep, actor: BoardReader) -> list[BoardLine]:
    """Vouchers of a branch: waiting first, priority first, then by arrival deadline."""
    async with rt.db.reading() as session:
        vouchers = await service.board(rt, session, actor=actor, branch=branch)
        return [BoardLine.model_validate(v) for v in vouchers]
