"""POS instructions and orphan confirmations (SPEC §7, CONTRACT "POS")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field, computed_field

from shared.fields import Text

from . import Out


class PosInstructionOut(Out):
    instruction_id: str
    case_no: str
    store_id: str
    branch: str | None
    type: str
    amount: Decimal
    quantity: int | None
    customer: str
    order_no: str | None
    part_no: str | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None
    confirmed_at: datetime | None
    executed_at: datetime | None
    transaction_id: str | None
    executed_amount: Decimal | None
    journal_entry_id: int | None
    hold_reason: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    created_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def held_for_review(self) -> bool:
        """Booked at the executed amount, which differs from the instruction (§7)."""
        return self.hold_reason is not None and self.reviewed_at is None


class ReviewIn(BaseModel):
    note: Text = Field(min_length=3, max_length=200)


class OrphanConfirmationOut(Out):
    id: int
    event_id: str
    store_id: str
    transaction_id: str
    instruction_id: str
    kind: str
    amount: str
    executed_at: datetime
    reason: str
    received_at: datetime
