"""Events published by survey."""

from __future__ import annotations

from datetime import datetime

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
    severity: str  # "serious" | "general": the service department's triage (SPEC Q26)
    text: str
    kind: str = "complaint"
    answered_via: str | None = None
    # SPEC Q26: what the customer ticked, and why the service department changed it.
    customer_severity: str | None = None
    triage_reason: str | None = None
    triaged_by: str | None = None
    # When the customer's answer came in (Q26 應即: the case's clock starts there, not at
    # the triage).
    answered_at: datetime | None = None
    # Issue 14 (Q26 函告該客戶): how the customer hears the outcome; no e-mail: by post to
    # ``customer_address``; ``customer_language`` zh-Hans|zh-Hant|en (None: the branch's).
    customer_email: str | None = None
    customer_language: str | None = None
    customer_address: str | None = None
