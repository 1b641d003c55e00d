"""Billing's POS tables: refund and allowance instructions to stores (SPEC §7, R2).

Invariants the schema enforces:

- one instruction per complaint case (``case_no`` unique); its id ``PI-{case_no}`` is also
  the webhook id of every delivery attempt, so a store de-duplicates re-sends;
- a pending instruction is due at ``next_attempt_at``; a delivered, confirmed or reversed
  one has none (the deadline watcher's index);
- a confirmation that matches no instruction is kept in ``pos_orphan_confirmations``
  (once per event) for inspection instead of being dropped or dead-lettered.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class PosInstruction(Base):
    """A refund or allowance the store's cashier is to execute on the POS (SPEC §7, R2)."""

    __tablename__ = "pos_instructions"

    instruction_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    branch: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(16))  # refund | allowance
    amount: Mapped[Decimal]
    quantity: Mapped[int | None] = mapped_column(Integer)
    customer: Mapped[str] = mapped_column(String(200))
    order_no: Mapped[str | None] = mapped_column(String(40))
    part_no: Mapped[str | None] = mapped_column(String(40))
    # pending | delivered | confirmed | reversed (domain.pos.InstructionStatus)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    executed_at: Mapped[datetime | None]
    transaction_id: Mapped[str | None] = mapped_column(String(80))
    executed_amount: Mapped[Decimal | None]
    journal_entry_id: Mapped[int | None] = mapped_column(Integer)
    hold_reason: Mapped[str | None] = mapped_column(String(200))
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]


class PosOrphanConfirmation(Base):
    """A POS confirmation billing could not apply to an instruction, kept for inspection."""

    __tablename__ = "pos_orphan_confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[str] = mapped_column(String(64), index=True)
    transaction_id: Mapped[str] = mapped_column(String(80))
    instruction_id: Mapped[str] = mapped_column(String(80), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    amount: Mapped[str] = mapped_column(String(40))  # as received: it may not even parse
    executed_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime]
