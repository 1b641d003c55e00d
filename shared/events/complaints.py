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
    """The monthly penalty notice (獎罰通知單) of one bearer for last month (SPEC P8).

    The notice is the published paper: billing does not deduct from it (it deducts from
    each ``PenaltyDecided``, priced from its staff register). ``person_id`` is the bearer:
    a person, or the unit's id when a unit bears the loss (``bearer_kind`` says which).
    ``amount`` sums the loss shares borne (P2) and the administrative amounts the
    decisions state (P3); a major demerit's whole-month bonus is priced by billing.
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
    bearer_kind: str | None = None  # "person" | "unit" (P5)
    decision_ids: tuple[int, ...] = ()  # the PenaltyDecided behind the notice


class PenaltyDecided(Event):
    """One penalty decision on a closed case for one responsible party (SPEC P2–P6).

    The decision carries references, not numbers: billing prices it from its staff
    register (P6: a unit's share over the unit's base points; P3: a minor demerit per base
    point, a major demerit the whole bonus of ``month``). One effective decision per case,
    kind and party: a correction names the decision it ``supersedes`` (kept, marked
    superseded); billing reverses what the earlier one charged and prices the new one.
    """

    event_type = "complaints.penalty.decided.v1"

    decision_id: int
    case_no: str
    kind: str  # "economic" (P1, P2, P6) | "administrative" (P3)
    month: str  # "YYYY-MM" stated in the decision (company zone): deductions start here
    department: str
    unit: str | None = None  # the bearing unit (P5 smallest group unit / section / dept)
    person_id: str | None = None  # the bearing person (P2 individual fault; P3 always)
    bearer_level: str | None = None  # group | section | individual | department (P5)
    loss_share: str | None = None  # economic: the party's share of the loss (P2)
    grade: str | None = None  # administrative: warning | minor_demerit | major_demerit (P3)
    ground: str | None = None  # administrative: one of the 15 grounds (P4)
    amount: str | None = None  # administrative: the amount decided where P3 gives one
    supersedes: int | None = None  # the decision this one corrects
    reason: str | None = None  # why it was corrected
    decided_by: str | None = None
    decided_at: datetime | None = None
