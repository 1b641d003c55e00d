"""An ill-formed workflow definition (pydantic's `ValidationError`) as a 422 whose field
is the offending path. (Domain errors are shared refusals and need no translation.)"""

from __future__ import annotations

from pydantic import ValidationError

from shared.rules import RuleBroken


def from_validation(exc: ValidationError, *, rule: str, prefix: str = "") -> RuleBroken:
    """The first reason pydantic gives, as a 422 naming the path of the bad part."""
    first = exc.errors()[0]
    path = ".".join(str(p) for p in first.get("loc", ()))
    field = ".".join(p for p in (prefix, path) if p) or None
    message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return RuleBroken(message, field=field, rule=rule)
