"""Claimed times on complaints: a filing's `received_at` and a step's `at` (SPEC CT1).

Which window and which approvers apply depends on where the entry is keyed [choice]:
- by staff of the case's own branch (a retail case at its counter, a supervisor's visit on
  a survey case): the branch's desk window (``claim_windows.desk_hours`` in the branches
  file); an older entry is approved by the counter lead or the branch manager on a retail
  case, by the supervisor or the branch manager otherwise;
- by head office (every manufacturer case, and head office's steps of any case): the
  company window ``AFTERSALES_CLAIM_WINDOW_HOURS`` (default 8 h); an older entry is
  approved by the GM office, the vice GM or the GM.
The approver is the person recording the entry, who must give the reason; both are kept
with the entry and the case shows it as back-dated.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.auth import Actor
from shared.claimed import BRANCH_APPROVERS, HEAD_OFFICE_APPROVERS, Claim, accept_claim
from shared.context import Context

RETAIL_APPROVERS = frozenset({"counter_lead", "branch_manager"})


def claim_rules(
    ctx: Context, *, actor: Actor, case_branch: str | None, profile: str
) -> tuple[timedelta, frozenset[str]]:
    """The window and the approving roles for an entry ``actor`` keys on a case."""
    if case_branch is not None and actor.branch == case_branch:
        window = ctx.branch(case_branch).claim_windows.desk
        return window, RETAIL_APPROVERS if profile == "retail" else BRANCH_APPROVERS
    return timedelta(hours=ctx.settings.claim_window_hours), HEAD_OFFICE_APPROVERS


def accept_case_claim(
    ctx: Context, claimed: datetime | None, *, actor: Actor, case_branch: str | None,
    profile: str, field: str, reason: str | None, not_before: datetime | None = None,
    what: str,
) -> Claim:
    """The claimed time as accepted at receipt, or 422 (CT1); see the module's rules."""
    window, approvers = claim_rules(ctx, actor=actor, case_branch=case_branch,
                                    profile=profile)
    return accept_claim(
        claimed, now=ctx.now(), window=window, field=field, actor_role=actor.role,
        actor_id=actor.user_id, reason=reason, approvers=approvers, not_before=not_before,
        what=what,
    )
