"""Complaints' tables: cases and their timeline, slips, petitions, penalties (SPEC §3, §5).

Invariants held by the database: a case number is unique (C8) and drawn from one counter
row per month, incremented in the filing's own transaction; a survey card opens at most
one case (Q26); a case has one effective penalty decision per kind and party (P2); a
bearer gets at most one penalty notice per month (P8).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import Money, UTCDateTime
from shared.plumbing import Plumbing

_ID = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, Decimal: Money}  # noqa: RUF012


class Profile(Base):
    """A company's own workflow definition, loaded by an admin (SPEC §3: the chain is data)."""

    __tablename__ = "profiles"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(64))


class CaseCounter(Base):
    """The month's last case serial (SPEC C8); updated atomically under a row lock."""

    __tablename__ = "case_counters"

    month_key: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class Complaint(Base):
    """One complaint case (客戶抱怨處理表) with a snapshot of its workflow (SPEC C9.4)."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(16), unique=True)
    profile: Mapped[str] = mapped_column(String(60))
    workflow: Mapped[dict[str, Any]] = mapped_column(JSON)
    market: Mapped[str] = mapped_column(String(16))
    classification: Mapped[str] = mapped_column(String(16))
    customer: Mapped[str] = mapped_column(String(200))
    # Q26 函告該客戶 (issue 14): where the outcome letter goes; none of them: no letter.
    customer_email: Mapped[str | None] = mapped_column(String(254))
    customer_language: Mapped[str | None] = mapped_column(String(8))
    customer_address: Mapped[str | None] = mapped_column(Text)
    order_no: Mapped[str | None] = mapped_column(String(80))
    part_no: Mapped[str | None] = mapped_column(String(80))
    ship_date: Mapped[date | None] = mapped_column(Date)
    quantity: Mapped[int | None] = mapped_column(Integer)
    defective_quantity: Mapped[int | None] = mapped_column(Integer)
    demand: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    # SPEC CT1: the filing's claimed receipt, kept beside the server's receipt of it.
    received_recorded_at: Mapped[datetime | None]
    received_backdate_reason: Mapped[str | None] = mapped_column(Text)
    received_backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    joint_inspection_on: Mapped[date | None] = mapped_column(Date)
    joint_inspection_note: Mapped[str | None] = mapped_column(Text)
    # SPEC C7.4: manufacturing's production details, on the case for P5's group unit.
    production_unit: Mapped[str | None] = mapped_column(String(200))
    machine_or_shift: Mapped[str | None] = mapped_column(String(200))
    production_staff: Mapped[str | None] = mapped_column(Text)
    production_date: Mapped[date | None] = mapped_column(Date)
    branch: Mapped[str | None] = mapped_column(String(16))
    store_id: Mapped[str | None] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(16))
    source_card_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    appeal_of: Mapped[str | None] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    current_step: Mapped[str | None] = mapped_column(String(60))
    step_started_at: Mapped[datetime | None]
    step_due_at: Mapped[datetime | None]
    step_reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    case_due_at: Mapped[datetime | None]
    case_reminded: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    decisions: Mapped[dict[str, Any]] = mapped_column(JSON)
    responsible_unit: Mapped[str | None] = mapped_column(String(200))
    handling: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None]
    # SPEC C9.4, C9.11: who approved which amount; execution never exceeds it.
    approved_amount: Mapped[Decimal | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_role: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime | None]
    loss_amount: Mapped[Decimal | None]
    loss_basis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    improvement_tracking: Mapped[bool | None] = mapped_column(Boolean)
    improvement_done_at: Mapped[datetime | None]
    improvement_note: Mapped[str | None] = mapped_column(Text)
    supplier_coordinated: Mapped[bool] = mapped_column(Boolean, default=False)
    # SPEC R2b: a gift borrowing from another vendor agreed by the branch organiser.
    gifts_agreed: Mapped[bool] = mapped_column(Boolean, default=False)
    filed_at: Mapped[datetime]
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_role: Mapped[str] = mapped_column(String(32))


class StepRecord(Base):
    """A completed step: who, when, what was decided, against which deadline (C9.4, §8)."""

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    step: Mapped[str] = mapped_column(String(60))
    by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    # SPEC CT1: an entry older than its window carries its reason and approver.
    backdate_reason: Mapped[str | None] = mapped_column(Text)
    backdate_approved_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime | None]


class Reminder(Base):
    """A reminder slip (催辦單) for an overdue step or case (SPEC C14)."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    step: Mapped[str] = mapped_column(String(60))
    owner_role: Mapped[str] = mapped_column(String(32))
    due_at: Mapped[datetime]
    issued_at: Mapped[datetime]


class FollowUp(Base):
    """A follow-up slip (洽辦單) for a step or case that closed late (SPEC C14)."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    step: Mapped[str | None] = mapped_column(String(60))
    owner_role: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime]
    done_at: Mapped[datetime]
    issued_at: Mapped[datetime]
    # SPEC CT1: the late step's entry was recorded back-dated (on an approver's word).
    backdated: Mapped[bool] = mapped_column(Boolean, default=False)


class Petition(Base):
    """A disagreeing department's petition to its superiors (簽呈) (SPEC C9.12)."""

    __tablename__ = "petitions"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    step: Mapped[str | None] = mapped_column(String(60))
    department: Mapped[str] = mapped_column(String(32))
    addressed_to: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]


class SupplierCoordination(Base):
    """The GM office's coordination with a responsible supplier (SPEC C9.13)."""

    __tablename__ = "supplier_coordinations"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(Text)
    recovered_amount: Mapped[Decimal | None]
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class PenaltyDecision(Base):
    """One penalty decision on a closed case for one bearer (SPEC P2–P5).

    At most one effective decision per case, kind and party: ``active_key`` is the party's
    key while the decision is in force and NULL once superseded (NULLs never collide), so
    the database refuses a second one even from concurrent posts. A correction is a new
    row naming the one it ``supersedes``; the earlier row is kept, ``superseded_by`` set.
    Amounts are not numbers here but references: billing prices from its register.
    """

    __tablename__ = "penalty_decisions"
    __table_args__ = (UniqueConstraint("complaint_id", "kind", "active_key",
                                       name="uq_penalty_decision_party"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    case_no: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(64))
    bearer_level: Mapped[str] = mapped_column(String(16))
    party_key: Mapped[str] = mapped_column(String(280))
    active_key: Mapped[str | None] = mapped_column(String(280))
    loss_share: Mapped[Decimal | None]
    ground: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None]
    month: Mapped[str] = mapped_column(String(7), index=True)
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[int | None] = mapped_column(_ID, unique=True)
    superseded_by_id: Mapped[int | None] = mapped_column(_ID)
    superseded_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    notice_no: Mapped[str | None] = mapped_column(String(32))
    # SPEC P3b: an administrative penalty is the GM office's petition until the GM approves
    # it ("petitioned" → "approved"); only an approved decision goes to billing and onto a
    # notice. Economic decisions are "approved" when recorded. HR then publishes it.
    status: Mapped[str] = mapped_column(String(16), default="approved",
                                        server_default="approved")
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    hr_publication_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    hr_published_at: Mapped[datetime | None]
    hr_published_by: Mapped[str | None] = mapped_column(String(64))

    @property
    def bearer(self) -> str:
        """The person who bears it, else the unit (SPEC P5)."""
        return self.person_id or self.unit

    @property
    def effective(self) -> bool:
        """In force: not superseded by a correction."""
        return self.superseded_by_id is None


class PenaltyNotice(Base):
    """A published penalty notice (獎罰通知單): one per person per month (SPEC P8)."""

    __tablename__ = "penalty_notices"
    __table_args__ = (UniqueConstraint("month", "person_id", name="uq_notice_month_person"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    notice_no: Mapped[str] = mapped_column(String(32), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    person_id: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal]
    case_nos: Mapped[list[str]] = mapped_column(JSON)
    # SPEC P8b: drafted → approved by the GM → published (its copies go out only then).
    status: Mapped[str] = mapped_column(String(16), default="draft", server_default="draft")
    drafted_at: Mapped[datetime | None]
    drafted_by: Mapped[str | None] = mapped_column(String(64))
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(64))
    published_at: Mapped[datetime | None]
    published_by: Mapped[str | None] = mapped_column(String(64))
    reward_amount: Mapped[Decimal | None]  # SPEC P8b: rewards beside penalties, not deducted
    rewards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class Reward(Base):
    """A reward (獎) decided by the GM office, listed on the person's notice (SPEC P8b).

    A reward is money paid or a commendation, never a deduction: billing does not price it.
    """

    __tablename__ = "penalty_rewards"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(32))
    unit: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal | None]
    commendation: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7), index=True)
    decided_at: Mapped[datetime]
    decided_by: Mapped[str] = mapped_column(String(64))
    notice_no: Mapped[str | None] = mapped_column(String(32))


class AbnormalitySheet(Base):
    """An abnormality sheet (異常處理單; retail 售后服務調查表) for a no-loss quality issue,
    routed to the unit concerned for improvement (SPEC C3). Not a complaint."""

    __tablename__ = "abnormality_sheets"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    form: Mapped[str] = mapped_column(String(16))
    branch: Mapped[str | None] = mapped_column(String(16), index=True)
    store_id: Mapped[str | None] = mapped_column(String(64))
    customer: Mapped[str | None] = mapped_column(String(200))
    order_no: Mapped[str | None] = mapped_column(String(80))
    part_no: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text)
    unit_role: Mapped[str] = mapped_column(String(32), index=True)
    unit: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    filed_by: Mapped[str] = mapped_column(String(64))
    filed_role: Mapped[str] = mapped_column(String(32))
    improvement: Mapped[str | None] = mapped_column(Text)
    improved_at: Mapped[datetime | None]
    improved_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(Text)


class GiftBorrowing(Base):
    """Gifts borrowed from another vendor for a retail case, agreed beforehand by the
    counter staff and the branch organiser (分公司主辦: branch_manager) (SPEC R2b)."""

    __tablename__ = "gift_borrowings"

    id: Mapped[int] = mapped_column(_ID, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(200))
    gifts: Mapped[str] = mapped_column(Text)
    counter_staff: Mapped[str] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime]
    organiser_agreed_by: Mapped[str | None] = mapped_column(String(64))
    organiser_agreed_at: Mapped[datetime | None]


plumbing = Plumbing(Base.metadata)
