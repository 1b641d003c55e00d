"""Intake's pure rules from SPEC §1 (no I/O): category, deadlines, call states, phone
numbers, morning reconciliation, customer merges and POS messages."""

from .category import (
    Cover,
    ServiceCategory,
    decide_category,
    extended_warranty_cover,
    voucher_no,
    warranty_ends_on,
)
from .customers import normalise_phone
from .sla import ARRIVAL_HOURS, SlaClass, arrival_due, arrival_due_provisional, sla_class

__all__ = [
    "ARRIVAL_HOURS",
    "Cover",
    "ServiceCategory",
    "SlaClass",
    "arrival_due",
    "arrival_due_provisional",
    "decide_category",
    "extended_warranty_cover",
    "normalise_phone",
    "sla_class",
    "voucher_no",
    "warranty_ends_on",
]
