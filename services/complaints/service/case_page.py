"""What the case page shows beside the case itself (issue 14): the approval the matrix
requires (SPEC C9.4 核決權限), which of the side forms the caller may use (appeal C9.9,
petition C9.12, petition decision, improvement C9.7, supplier coordination C9.13, gift
borrowing R2b), and the case's gift borrowings.

The answers mirror the use cases' own checks (`records`, `retail`, `steps`), so a page
offers only the forms that can succeed; the use cases still decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import Actor
from shared.rules import Refusal

from ..domain.routing import step_owner, step_owners
from ..models import Complaint, GiftBorrowing
from . import retail
from .cases import case_state, definition

# The roles the JSON routes admit (api/cases.py Department, Superior, Improver, GmOffice).
PETITIONERS = frozenset({
    "qa", "manufacturing", "rnd", "sales", "sales_manager", "gm_office", "service_dept",
    "counter", "counter_lead", "branch_manager", "accountant", "warehouse",
})
SUPERIORS = frozenset({"gm", "vice_gm"})
IMPROVERS = frozenset({"qa", "manufacturing", "gm_office"})
PENALTY_READERS = frozenset({"gm_office", "gm", "vice_gm", "accountant", "admin"})


@dataclass(frozen=True, slots=True)
class Tier:
    role: str
    up_to: Decimal | None


@dataclass(frozen=True, slots=True)
class ApprovalView:
    """An approval step: the amount, the approver it needs, who else may (C9.4)."""

    step: str
    amount: Decimal | None
    handling: str | None
    required_role: str | None
    allowed_roles: tuple[str, ...]
    tiers: tuple[Tier, ...]
    higher_may_approve: bool
    not_valid_role: str | None


@dataclass(frozen=True, slots=True)
class CaseActions:
    """The side forms the caller may use on this case."""

    appeal: bool
    petition: bool
    decide_petitions: bool
    improvement: bool
    supplier: bool
    gifts_request: bool
    gifts_agree: bool
    penalties: bool


def approval_view(case: Complaint) -> ApprovalView | None:
    """The current step's approval per the case's matrix, when it is an approval step."""
    if case.status != "open" or case.current_step is None:
        return None
    defn = definition(case)
    step = defn.step(case.current_step)
    if step.owner_from != "approval_matrix":
        return None
    state = case_state(case)
    try:
        required: str | None = step_owner(defn, step.name, state)
        allowed = step_owners(defn, step.name, state)
    except Refusal:
        required, allowed = None, ()
    matrix = defn.approval_matrix
    amount = state.fact("amount")
    return ApprovalView(
        step=step.name, amount=Decimal(str(amount)) if amount is not None else None,
        handling=state.fact("handling"),  # type: ignore[arg-type]
        required_role=required, allowed_roles=tuple(allowed),
        tiers=tuple(Tier(t.role, t.up_to) for t in matrix.tiers),
        higher_may_approve=matrix.higher_may_approve, not_valid_role=matrix.not_valid_role,
    )


def case_actions(actor: Actor, case: Complaint, *, undecided_for_me: bool) -> CaseActions:
    """Which side forms to offer ``actor`` on ``case`` (the use cases still judge)."""
    closed = case.status == "closed"
    decisions = case.decisions or {}
    in_branch = case.branch is None or actor.may_act_in(case.branch)
    return CaseActions(
        appeal=closed and actor.role in definition(case).filed_by and in_branch,
        petition=actor.role in PETITIONERS and in_branch,
        decide_petitions=actor.role in SUPERIORS and undecided_for_me,
        improvement=(closed and bool(case.improvement_tracking)
                     and case.improvement_done_at is None and actor.role in IMPROVERS),
        supplier=(actor.role == "gm_office"
                  and any(isinstance(d, dict) and d.get("supplier")
                          for d in decisions.values())),
        gifts_request=(case.profile == "retail" and not closed
                       and actor.role in retail.REQUESTERS and in_branch),
        gifts_agree=actor.role == retail.ORGANISER and in_branch,
        penalties=actor.role in PENALTY_READERS,
    )


async def gift_borrowings(session: AsyncSession, case: Complaint) -> list[GiftBorrowing]:
    """The case's gift borrowings (SPEC R2b), oldest first."""
    return await retail.borrowings(session, case)
