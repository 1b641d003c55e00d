"""Survey's tables: one opinion card per call, with its answer (SPEC Q23–Q26).

A card is keyed by the call. Events about a call may arrive in any order (they travel on
different subjects), so whichever comes first creates the row; it is a *registered*
card, listed and sent, once ``CallRegistered`` filled in ``call_date``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UTCDateTime
from shared.plumbing import Plumbing


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class SurveyCard(Base):
    """A customer opinion survey card for one call (SPEC Q24: every call, no sampling)."""

    __tablename__ = "survey_cards"
    __table_args__ = (Index("ix_survey_cards_send", "status", "send_due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(Integer, unique=True)
    voucher_no: Mapped[str] = mapped_column(String(32), unique=True)
    branch: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    # From CallRegistered (Q24): the register day and when the card goes out.
    call_date: Mapped[date | None] = mapped_column(Date, index=True)
    customer_name: Mapped[str | None] = mapped_column(String(120))
    # How the customer hears back (issue 14, from CallRegistered): the link goes by
    # e-mail when there is one, else as a postal letter to the address.
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_language: Mapped[str | None] = mapped_column(String(8))
    customer_address: Mapped[str | None] = mapped_column(String(300))
    send_due_at: Mapped[datetime | None]
    # The technician who served the call: latest assignment, then who completed it.
    technician_id: Mapped[str | None] = mapped_column(String(32), index=True)
    assigned_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # Sending and the one-time link (Q25 [choice]).
    sent_at: Mapped[datetime | None]
    link_nonce: Mapped[str | None] = mapped_column(String(32))
    link_expires_at: Mapped[datetime | None]
    # The answer (Q25), keyed in from paper or given through the link.
    attitude: Mapped[int | None] = mapped_column(SmallInteger)
    skill: Mapped[int | None] = mapped_column(SmallInteger)
    arrival: Mapped[int | None] = mapped_column(SmallInteger)
    follow_through: Mapped[int | None] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_via: Mapped[str | None] = mapped_column(String(8))
    answered_by: Mapped[str | None] = mapped_column(String(64))
    # A complaint or suggestion on the card (Q23, Q26) and the case it became.
    complaint_kind: Mapped[str | None] = mapped_column(String(16))
    complaint_text: Mapped[str | None] = mapped_column(Text)
    complaint_case_no: Mapped[str | None] = mapped_column(String(32))
    # Q26: what the customer ticked, then the service department's triage; the complaint
    # is forwarded (SurveyComplaintRaised) only once triaged. ``complaint_severity`` is
    # the triaged one, empty while the complaint awaits triage.
    complaint_status: Mapped[str | None] = mapped_column(String(16), index=True)
    complaint_customer_severity: Mapped[str | None] = mapped_column(String(16))
    complaint_severity: Mapped[str | None] = mapped_column(String(16))
    complaint_triage_reason: Mapped[str | None] = mapped_column(Text)
    complaint_triaged_by: Mapped[str | None] = mapped_column(String(64))
    complaint_triaged_at: Mapped[datetime | None]


plumbing = Plumbing(Base.metadata)


class ComplaintCase(Base):
    """Where a survey complaint's case stands in complaints (SPEC Q26–Q28), as survey
    learns it from complaints' events; one row per case of the ``service`` profile.

    Complaints publishes the filing (``ComplaintFiled``), each overdue step or case
    (``StepOverdue``) and the closed case's copies (``ComplaintCopyIssued``); nothing
    else about a case crosses the boundary, so the stage here is *open*, *overdue at a
    step* or *closed*, never a guess at steps in between. Events about one case travel on
    different subjects and may arrive in any order: each upserts the row by ``case_no``.
    """

    __tablename__ = "survey_complaint_cases"

    case_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Null until ComplaintFiled arrived (an overdue event can come first after an outage).
    profile: Mapped[str | None] = mapped_column(String(32))
    card_id: Mapped[int | None] = mapped_column(Integer, index=True)
    branch: Mapped[str | None] = mapped_column(String(16), index=True)
    severity: Mapped[str | None] = mapped_column(String(16))
    filed_at: Mapped[datetime | None]
    # The latest overdue reminder (SPEC C14) and how many there were (Q27: chase).
    overdue_step: Mapped[str | None] = mapped_column(String(64))
    overdue_kind: Mapped[str | None] = mapped_column(String(8))
    overdue_owner_role: Mapped[str | None] = mapped_column(String(32))
    overdue_due_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime]
