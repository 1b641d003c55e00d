"""Complaints' tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


plumbing = Plumbing(Base.metadata)
