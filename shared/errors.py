"""How the HTTP layer answers refusals, bad input and oversized bodies, and how the
OpenAPI document describes those answers.

Every 4xx body is JSON :class:`ErrorBody`: ``detail`` (a sentence naming the field or
rule) plus ``field`` and ``rule`` where they are known. The refusal classes live in
``shared.rules`` so that pure domain code raises them too. No input is answered 500:
what the edge validation lets through and a database still refuses (a value out of the
column's range, a duplicate key) is answered 422/409 here, and logged, because it means
a check is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .rules import Refusal

log = logging.getLogger("aftersales.errors")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ErrorBody(BaseModel):
    """Every 4xx answer (CONTRACT "errors")."""

    detail: str
    field: str | None = None
    rule: str | None = None
    errors: list[dict[str, Any]] | None = None


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"body: the request body exceeds {limit} bytes", "field": "body",
         "rule": None}, status_code=413,
    )


def install_error_handlers(app: FastAPI) -> None:
    """Map refusals to JSON 4xx answers, and document them in the app's OpenAPI."""

    @app.exception_handler(Refusal)
    async def _refusal(req: Request, exc: Refusal) -> Response:
        body = exc.body()
        if _on_console(req):
            return req.app.state.console.refusal(req, exc.status_code, str(body["detail"]))
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def _http(req: Request, exc: StarletteHTTPException) -> Response:
        if _on_console(req):
            return req.app.state.console.refusal(req, exc.status_code, str(exc.detail))
        return await http_exception_handler(req, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(req: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or None
        message = str(first.get("msg", "invalid input")).removeprefix("Value error, ")
        if _on_console(req):
            return req.app.state.console.refusal(
                req, 422, f"{field}: {message}" if field else message)
        return JSONResponse(
            {"detail": f"{field}: {message}" if field else message, "field": field,
             "rule": None, "errors": [
                 {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")),
                  "type": str(e.get("type"))}
                 for e in errors]},
            status_code=422,
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_big(_req: Request, exc: BodyTooLarge) -> JSONResponse:
        return _too_large(exc.limit)

    @app.exception_handler(DataError)
    async def _data(req: Request, exc: DataError) -> JSONResponse:
        log.warning("database refused a value on %s %s: %s", req.method, req.url.path,
                    exc.orig)
        return JSONResponse({"detail": "a value is out of range or malformed", "field": None,
                             "rule": None}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def _integrity(req: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("database refused a write on %s %s: %s", req.method, req.url.path,
                    exc.orig)
        return JSONResponse({"detail": "this conflicts with an existing record",
                             "field": None, "rule": None}, status_code=409)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]


def _on_console(request: Request) -> bool:
    """A console page answers refusals as pages (``shared.web.console``)."""
    route = request.scope.get("route")
    return "console" in (getattr(route, "tags", None) or []) and hasattr(
        request.app.state, "console")


# What every route can answer besides its success; 404 only where a path or a list's
# cursor names a record.
_COMMON = {
    "401": "no valid bearer token",
    "403": "the caller's role or branch may not do this",
    "409": "the record is not in a state that allows this",
    "413": "the request body is too large",
    "422": "the input breaks a rule; `field` and `rule` name it",
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with the error answers the services really send."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, description=app.description,
                      routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    page = {"text/html": {"schema": {"type": "string"}}}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = op.setdefault("responses", {})
            codes = dict(_COMMON)
            if "{" in path:
                codes["404"] = "no such record"
            elif any(p.get("name") == "after" and p.get("in") == "query"
                     for p in op.get("parameters", [])):
                # a list's cursor names the last record of the page before (CONTRACT "Lists")
                codes["404"] = "the cursor `after` names no record of this list"
            if path in {"/healthz", "/livez", "/readyz", "/openapi.json"}:
                codes = {"422": codes["422"]}
            # A page for people (the survey link) answers its refusals as pages too.
            success = next((r for c, r in responses.items() if c.startswith("2")), {})
            is_page = set(success.get("content", {})) == {"text/html"}
            for code, text in codes.items():
                declared = responses.get(code)
                if declared and code != "422":
                    continue  # the route documents its own answer (e.g. a page's 410)
                responses[code] = {"description": text, "content": page if is_page else ref}
    app.openapi_schema = doc
    return doc


def limit_bodies(app: FastAPI, *, default: int, per_path: dict[str, int]) -> None:
    """Refuse request bodies over the limit with 413, before they are read whole."""
    app.add_middleware(BodyLimit, default=default, per_path=per_path)


class BodyLimit:
    """ASGI middleware: a declared length over the limit is refused at once; a streamed
    body is counted as it arrives and refused the moment it passes the limit."""

    def __init__(self, app: ASGIApp, *, default: int, per_path: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.per_path = per_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = limit + 1
                if declared > limit:
                    await _too_large(limit)(scope, receive, send)
                    return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
