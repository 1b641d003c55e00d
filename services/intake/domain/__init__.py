"""Intake's pure rules from SPEC §1 (no I/O): category, deadlines, call states,
morning reconciliation and customer merges."""

from .category import (
    ARRIVAL_HOURS,
    Cover,
    ServiceCategory,
    SlaClass,
    arrival_due,
    decide_category,
    normalise_phone,
    voucher_no,
    warranty_ends_on,
)

__all__ = [
    "ARRIVAL_HOURS",
    "Cover",
    "ServiceCategory",
    "SlaClass",
    "arrival_due",
    "decide_category",
    "normalise_phone",
    "voucher_no",
    "warranty_ends_on",
]
