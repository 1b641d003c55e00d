"""Billing's declarative ``Base`` and its plumbing tables (outbox, inbox, audit log).

Every model module imports ``Base`` from here and nothing else from its siblings, so the
``models`` package has no import cycle; ``models/__init__`` imports them all, which
registers every table on ``Base.metadata`` (migrations, ``memory_database``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date
from sqlalchemy.orm import DeclarativeBase

from shared.db import Money, UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, date: Date, Decimal: Money}  # noqa: RUF012


plumbing = Plumbing(Base.metadata)
