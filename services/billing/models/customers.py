"""Who billing writes to (issue 14): the contact of each intake customer it has heard of.

Billing never reads intake's database; it keeps the latest contact that intake's events
carried (``CallRegistered``, ``PosSaleRegistered``), so the S20 expiry notice reaches the
contract holder by e-mail, or by post at the address, in their language.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class CustomerContact(Base):
    """The latest known name, e-mail, postal address and letter language of a customer."""

    __tablename__ = "customer_contacts"

    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(Text)
    # When the event that carried it happened: an older event never overwrites a newer one.
    as_of: Mapped[datetime]
