"""The work queue of a head-office role (issue 14): the complaint steps waiting for the
signed-in role (and branch), with step and case deadlines, overdue ones first; and the
petitions addressed to it (SPEC C9.12).

The query is SQL-side and bounded: open cases (indexed `status`) whose profile and current
step are ones the role may own, ordered by the earlier of the two deadlines, with a LIMIT.
Which (profile, step) pairs a role may own is read from the workflow definitions (the
step's `owner_role`, its `also_by`, or any role of its approval matrix, SPEC C9.4), so a
company's own profile needs no code. The exact owner of an approval step depends on the
amount (C9.4 核決權限); those candidates are then checked case by case against the case's
own workflow snapshot.

[choice] A case whose snapshot differs from today's definition of its profile (a company
reloaded it with a step renamed) is found only if the step name still exists there; the
register and the overdue list still show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import HEAD_OFFICE_ROLES, Actor
from shared.rules import Refusal

from ..domain.routing import step_owners
from ..domain.workflow import WorkflowDef
from ..models import Complaint, PenaltyDecision, Petition
from .cases import all_workflows, case_state, definition, owner_role

QUEUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class QueueItem:
    """One step waiting for the role: the case, its step and deadlines (SPEC C9.4, C10)."""

    case_no: str
    profile: str
    customer: str
    classification: str
    branch: str | None
    step: str
    owner_role: str | None
    step_due_at: datetime | None
    case_due_at: datetime | None
    step_overdue: bool
    case_overdue: bool
    amount: Decimal | None  # the proposed amount an approval judges (SPEC C9.4)

    @property
    def overdue(self) -> bool:
        """Past its step or its case deadline (SPEC C14)."""
        return self.step_overdue or self.case_overdue


@dataclass(frozen=True, slots=True)
class PetitionItem:
    """A petition waiting for its superior's answer (SPEC C9.12)."""

    case_no: str
    petition_id: int
    department: str
    step: str | None
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class WorkQueue:
    """What waits for the role, overdue first, and how many (``truncated``: more exist)."""

    items: list[QueueItem]
    petitions: list[PetitionItem]
    truncated: bool

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)


def owned_steps(role: str, workflows: list[WorkflowDef]) -> set[tuple[str, str]]:
    """Every (profile, step) the role may complete under some case (SPEC C9.4)."""
    found: set[tuple[str, str]] = set()
    for defn in workflows:
        matrix_roles = {t.role for t in defn.approval_matrix.tiers}
        if defn.approval_matrix.not_valid_role is not None:
            matrix_roles.add(defn.approval_matrix.not_valid_role)
        for step in defn.steps:
            if not step.enabled:
                continue
            if step.owner_role is not None:
                owners = {step.owner_role, *step.also_by}
            else:
                owners = matrix_roles
            if role in owners:
                found.add((defn.profile, step.name))
    return found


def _earliest_deadline():  # type: ignore[no-untyped-def]
    """The earlier of the step and case deadlines, NULL only when both are (SQL CASE)."""
    step, whole = Complaint.step_due_at, Complaint.case_due_at
    return case(
        (step.is_(None), whole), (whole.is_(None), step), (step < whole, step), else_=whole,
    )


def _may_complete(actor: Actor, row: Complaint) -> bool:
    if row.current_step is None:
        return False
    try:
        return actor.role in step_owners(definition(row), row.current_step, case_state(row))
    except Refusal:
        return False  # an approval without its amount yet: nobody's to act on


async def work_queue(session: AsyncSession, *, actor: Actor, now: datetime,
                     limit: int = QUEUE_LIMIT) -> WorkQueue:
    """The steps waiting for ``actor``'s role in its branch, overdue first, then by the
    nearest deadline (SPEC C9.4, C10, C14); and its petitions to answer (C9.12)."""
    pairs = owned_steps(actor.role, [d for d, _ in await all_workflows(session)])
    wanted = or_(*(and_(Complaint.profile == p, Complaint.current_step == s)
                   for p, s in sorted(pairs))) if pairs else false()
    earliest = _earliest_deadline()
    query = (select(Complaint).where(Complaint.status == "open", wanted)
             .order_by(earliest.is_(None), earliest, Complaint.id).limit(limit + 1))
    if actor.branch is not None:
        # A branch's staff see their branch's cases; head office bound to a branch also
        # sees the company's own (branchless) ones, as in the register.
        query = query.where(
            or_(Complaint.branch == actor.branch, Complaint.branch.is_(None))
            if actor.role in HEAD_OFFICE_ROLES else Complaint.branch == actor.branch)
    rows = list((await session.scalars(query)).all())
    truncated = len(rows) > limit
    items = [
        QueueItem(
            case_no=r.case_no, profile=r.profile, customer=r.customer,
            classification=r.classification, branch=r.branch, step=r.current_step or "",
            owner_role=owner_role(r), step_due_at=r.step_due_at, case_due_at=r.case_due_at,
            step_overdue=r.step_due_at is not None and r.step_due_at < now,
            case_overdue=r.case_due_at is not None and r.case_due_at < now,
            amount=r.amount,
        )
        for r in rows[:limit] if _may_complete(actor, r)
        and (r.branch is None or actor.may_act_in(r.branch))
    ]
    # Overdue first (either deadline passed), then the nearest deadline: SQL ordered by the
    # earliest deadline, so a stable sort on "not overdue" keeps that order within each.
    items.sort(key=lambda item: not item.overdue)
    return WorkQueue(items=items, petitions=await _petitions(session, actor=actor),
                     truncated=truncated)


async def _petitions(session: AsyncSession, *, actor: Actor) -> list[PetitionItem]:
    """Undecided petitions addressed to the actor's role, oldest first (SPEC C9.12)."""
    if actor.role not in ("gm", "vice_gm"):
        return []
    query = (select(Petition, Complaint.case_no, Complaint.branch)
             .join(Complaint, Complaint.id == Petition.complaint_id)
             .where(Petition.addressed_to == actor.role, Petition.decision.is_(None))
             .order_by(Petition.at, Petition.id).limit(QUEUE_LIMIT))
    found = []
    for row, case_no, branch in (await session.execute(query)).all():
        if branch is not None and not actor.may_act_in(branch):
            continue
        found.append(PetitionItem(case_no=case_no, petition_id=row.id,
                                  department=row.department, step=row.step,
                                  reason=row.reason, at=row.at))
    return found



async def awaiting_hr(session: AsyncSession, *, limit: int = QUEUE_LIMIT
                      ) -> list[PenaltyDecision]:
    """Approved administrative penalties HR has not published yet, oldest first (P3b)."""
    query = (select(PenaltyDecision)
             .where(PenaltyDecision.kind == "administrative",
                    PenaltyDecision.status == "approved",
                    PenaltyDecision.superseded_by_id.is_(None),
                    PenaltyDecision.hr_publication_no.is_(None))
             .order_by(PenaltyDecision.id).limit(limit))
    return list((await session.scalars(query)).all())
