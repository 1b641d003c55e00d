"""The complaints domain's errors as HTTP answers (shared.errors): 422 or 409 naming field and rule.

`DomainError` (bad input) becomes `RuleViolation` (422) and `ConflictError` (wrong state)
becomes `Conflict` (409); both keep the SPEC rule and the field. An ill-formed workflow
definition (pydantic's `ValidationError`) becomes a 422 whose field is the offending path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared.errors import Conflict, RuleViolation, ServiceError

from .domain.errors import ConflictError, RuleError


def to_service_error(exc: RuleError) -> ServiceError:
    """The shared error matching a domain error, with its rule and field."""
    kind = Conflict if isinstance(exc, ConflictError) else RuleViolation
    return kind(exc.message, field=exc.field, rule=exc.rule)


def from_validation(exc: ValidationError, *, rule: str, prefix: str = "") -> RuleViolation:
    """The first reason pydantic gives, as a 422 naming the path of the bad part."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first.get("loc", ()))
    field = ".".join(p for p in (prefix, path) if p) or None
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return RuleViolation(message, field=field, rule=rule)


@contextmanager
def domain_errors() -> Iterator[None]:
    """Re-raise domain errors inside the block as shared service errors."""
    try:
        yield
    except RuleError as exc:
        raise to_service_error(exc) from exc


def install(app: FastAPI) -> None:
    """Answer any domain error that reaches the app like a shared service error."""

    async def _rule_error(_req: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleError)
        error = to_service_error(exc)
        return JSONResponse(error.body(), status_code=error.status_code)

    app.add_exception_handler(RuleError, _rule_error)
