"""Events published by complaints."""

from __future__ import annotations

from datetime import datetime

from .base import Event


class ComplaintFiled(Event):
    """A complaint case was opened (SPEC C8); ``source_card_id`` when it came from a survey."""

    event_type = "complaints.case.filed.v1"

    case_no: str
    profile: str
    classification: str
    source_card_id: int | None = None
    appeal_of: str | None = None
    # SPEC C13.2(3): what billing needs to suspend the part's receivable while the case
    # is open (from filing until the case closes).
    filed_at: datetime | None = None
    market: str | None = None
    customer: str | None = None
    order_no: str | None = None
    part_no: str | None = None
    store_id: str | None = None
    branch: str | None = None
    # SPEC Q26: the triaged seriousness of a case raised from a survey (or filed by the
    # service department): "serious" goes to the vice GM.
    severity: str | None = None


class StepOverdue(Event):
    """A step or the whole case passed its deadline: a reminder slip (SPEC C14)."""

    event_type = "complaints.step.overdue.v1"

    case_no: str
    step: str
    kind: str  # "step" | "case"
    due_at: datetime
    owner_role: str


class ComplaintCopyIssued(Event):
    """One of the five copies of a closed complaint form (SPEC C9.8).

    ``recipient`` is one of the profile's copy holders: for the manufacturer form qa,
    manufacturing, sales, accounting, gm_office; retail counter, counter_lead, accounting;
    service (survey complaints) service_dept. Billing acts on the accounting copy when the
    handling is an allowance or a return (SPEC C13); ``quantity`` is set for a return.
    """

    event_type = "complaints.copy.issued.v1"

    case_no: str
    recipient: str
    profile: str
    market: str
    classification: str
    customer: str
    order_no: str | None
    part_no: str | None
    handling: str | None
    amount: str | None
    quantity: int | None
    responsible_unit: str | None
    store_id: str | None = None
    closed_at: datetime
    branch: str | None = None  # the branch of a retail or survey (service-profile) case
    appeal_of: str | None = None  # C9.9: the original case this appeal re-decided


class PenaltyNoticePublished(Event):
    """A person's penalties decided last month (SPEC P6, P8): billing schedules the deduction.

    ``amount`` is already the person's own share (P2 apportioned, P5 attributed, a unit's
    share spread by base points as in P6) plus any administrative deduction (P3); billing
    applies the P7 cap and carry-over, it does not split the amount again.
    """

    event_type = "complaints.penalty.published.v1"

    notice_no: str
    case_no: str | None
    month: str  # "YYYY-MM" of the decision
    person_id: str
    unit: str
    amount: str  # the person's total for the month: economic + administrative
    case_nos: tuple[str, ...] = ()  # every case behind the notice (case_no: when just one)
    economic_amount: str | None = None  # P2/P5 share of losses
    administrative_amount: str | None = None  # P3 deductions
    copies_to: tuple[str, ...] = ()  # P8: issuer, accounting, the penalised department
