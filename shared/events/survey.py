"""Events published by survey."""

from __future__ import annotations

from .base import Event


class SurveyComplaintRaised(Event):
    """A customer's card carried a complaint or suggestion (SPEC Q26–Q28).

    ``kind`` is ``complaint`` or ``suggestion``; ``answered_via`` is ``paper`` (keyed in
    by the service department) or ``link`` (the customer's one-time link).
    """

    event_type = "survey.complaint.raised.v1"

    card_id: int
    call_id: int
    voucher_no: str
    branch: str
    technician_id: str | None
    customer_name: str
    severity: str  # "serious" | "general"
    text: str
    kind: str = "complaint"
    answered_via: str | None = None
