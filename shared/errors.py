"""Errors a use case raises, and how the HTTP layer answers them.

Every 4xx body is JSON with ``detail`` (a sentence naming the field or rule) plus
``rule`` and ``field`` keys where they are known. The classes live in ``shared.rules``
so that pure domain code can raise them too.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from .rules import Refusal, RuleBroken, WrongState

log = logging.getLogger("aftersales.errors")

# The names the service layer uses; the pure rules raise the same classes.
ServiceError = Refusal
RuleViolation = RuleBroken
Conflict = WrongState


class NotFound(Refusal):
    status_code = 404


class Forbidden(Refusal):
    status_code = 403


def install_error_handlers(app: FastAPI) -> None:
    """Map service errors to JSON 4xx answers."""

    @app.exception_handler(Refusal)
    async def _refusal(_req: Request, exc: Refusal) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        message = first.get("msg", "invalid input")
        return JSONResponse(
            {"detail": f"{field}: {message}" if field else message, "field": field,
             "rule": None, "errors": [
                 {"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
                 for e in errors]},
            status_code=422,
        )
