"""Errors a use case raises, and how the HTTP layer answers them.

Every 4xx body is JSON with ``detail`` (a sentence naming the field or rule) plus
``rule`` and ``field`` keys where they are known.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

log = logging.getLogger("aftersales.errors")


class ServiceError(Exception):
    """A request the rules refuse."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.rule = rule

    def body(self) -> dict[str, str | None]:
        prefix = f"{self.field}: " if self.field else ""
        suffix = f" (SPEC {self.rule})" if self.rule else ""
        return {"detail": f"{prefix}{self.message}{suffix}", "field": self.field, "rule": self.rule}


class RuleViolation(ServiceError):
    """The input breaks a business rule (422)."""


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    """The record is not in a state that allows this (409)."""

    status_code = 409


class Forbidden(ServiceError):
    status_code = 403


def install_error_handlers(app: FastAPI) -> None:
    """Map service errors to JSON 4xx answers."""

    @app.exception_handler(ServiceError)
    async def _service_error(_req: Request, exc: ServiceError) -> JSONResponse:
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
