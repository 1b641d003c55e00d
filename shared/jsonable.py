"""Values as JSON can hold them: money as decimal strings, dates and times ISO 8601.

Used for audit details and decision values stored in JSON columns; never for events,
which are pydantic models with their own serialisation.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` with every Decimal, date, time and enum turned into a JSON scalar."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
