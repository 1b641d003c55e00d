"""Reading a posted form into the JSON routes' request bodies (issue 14).

Empty inputs are left out so the schema's defaults apply; a refusal names the first wrong
field (422), the way the JSON route answers. A typed local time (``datetime-local`` has no
offset) is read in the zone the page showed it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from shared.rules import RuleBroken

Model = TypeVar("Model", bound=BaseModel)


def text(value: object) -> str | None:
    """A form value stripped, None when empty."""
    stripped = value.strip() if isinstance(value, str) else ""
    return stripped or None


def picked(form: FormData, names: Iterable[str]) -> dict[str, str]:
    """The named inputs that were filled in."""
    return {name: value for name in names if (value := text(form.get(name))) is not None}


def local_instant(value: str | None, zone: tzinfo) -> str | None:
    """A ``datetime-local`` value as an aware ISO time in ``zone``; as typed when unreadable
    (the schema then refuses it with the field's name)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat()


def integer(value: str | None) -> int | str | None:
    """A whole number typed in a form; as typed when it is not one (the schema refuses)."""
    if value is None:
        return None
    return int(value) if value.isdigit() and len(value) <= 10 else value


def validated(model: type[Model], data: dict[str, Any], *, rule: str) -> Model:
    """``data`` as ``model``; a refusal names the first field that is wrong (422)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or None
        raise RuleBroken(str(error["msg"]), field=field, rule=rule) from None
