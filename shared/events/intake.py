"""Events published by intake."""

from __future__ import annotations

from datetime import date, datetime

from .base import Event


class CallRegistered(Event):
    """A repair call was entered in the register and its voucher issued (SPEC S8)."""

    event_type = "intake.call.registered.v1"

    call_id: int
    voucher_no: str
    branch: str
    customer_id: int
    customer_name: str
    district: str
    product_id: int
    model: str
    serial: str
    symptom: str
    category: str
    sla_class: str
    received_at: datetime
    arrival_due_at: datetime
    registered_by: str
    # SPEC CT1: when intake heard of the call (received_at is the claimed receipt time);
    # an approver's name when it was recorded later than the branch's window allows.
    recorded_at: datetime | None = None
    backdate_approved_by: str | None = None
    # SPEC S18: received before the branch's current day and not yet dispatched, so it
    # comes first on the board from the moment it is registered.
    priority: bool = False
    # SPEC S19/§calendar: the deadline counted a day of a year with no official schedule.
    arrival_due_provisional: bool = False
    # Issue 14 (letters): how the customer hears back. No e-mail: letters go by post to
    # ``customer_address``; ``customer_language`` is zh-Hans|zh-Hant|en (None: the branch's).
    customer_email: str | None = None
    customer_language: str | None = None
    customer_address: str | None = None


class CallPrioritised(Event):
    """Morning reconciliation found the call undispatched yesterday (SPEC S18)."""

    event_type = "intake.call.prioritised.v1"

    call_id: int
    voucher_no: str
    branch: str
    reason: str


class CallCancelled(Event):
    """The call was withdrawn before completion, with a reason."""

    event_type = "intake.call.cancelled.v1"

    call_id: int
    voucher_no: str
    branch: str
    reason: str
    cancelled_by: str


class CallFiled(Event):
    """The clerk cancelled (注銷) the completed call and filed its voucher (SPEC S9)."""

    event_type = "intake.call.filed.v1"

    call_id: int
    voucher_no: str
    branch: str
    filed_by: str
    filed_at: datetime


class CustomerMerged(Event):
    """Two customer files turned out to be one: the duplicate's products and calls now
    belong to the survivor; the duplicate is kept, marked merged (SPEC §1 customer file)."""

    event_type = "intake.customer.merged.v1"

    branch: str
    survivor_id: int
    duplicate_id: int
    product_ids: list[int]
    call_ids: list[int]
    merged_by: str


class PosSaleRegistered(Event):
    """A store's POS reported a sale; intake registered the customer and product (SPEC §7)."""

    event_type = "intake.pos_sale.registered.v1"

    store_id: str
    transaction_id: str
    branch: str
    customer_id: int
    product_id: int
    model: str
    serial: str
    price: str
    sold_on: date
    warranty_ends_on: date
    extended_warranty_years: int | None = None
    extended_warranty_price: str | None = None
    # Issue 14 (letters): the buyer, for the holder's letters (S20 expiry notice).
    customer_name: str | None = None
    customer_email: str | None = None
    customer_language: str | None = None
    customer_address: str | None = None


class PosInstructionExecuted(Event):
    """A store's cashier carried out a refund or allowance instruction (SPEC §7).

    The POS confirmed it with ``return_executed`` / ``allowance_executed``; billing books it.
    """

    event_type = "intake.pos_instruction.executed.v1"

    store_id: str
    transaction_id: str
    instruction_id: str
    kind: str  # "return_executed" | "allowance_executed"
    amount: str
    executed_at: datetime
