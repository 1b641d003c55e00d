"""Who may read a complaint case (SPEC §8 "who sees what"; issue 11).

A case is read by the roles on its route and by head office, not by every role:
- the roles on its route: the profile's filers, every step's owner, the approval matrix's
  roles where a step's owner comes from it, and the recipients of its copies (C9.8; the
  "accounting" copy goes to the accountant);
- the role that filed it (an appeal or a survey complaint may be filed by another role);
- head-office roles (given by the caller: ``shared.auth.HEAD_OFFICE_ROLES``).
[choice] A branch-bound role reads only the cases of its own branch; a case without a
branch (a manufacturer complaint) is head office's, so no branch-bound role reads it.
"""

from __future__ import annotations

from collections.abc import Collection

from .workflow import WorkflowDef

# C9.8 names the accounting department as a copy recipient; its role is the accountant.
_RECIPIENT_ROLES = {"accounting": "accountant"}


def route_roles(defn: WorkflowDef) -> frozenset[str]:
    """Every role the profile's route names (filers, step owners, approvers, copies)."""
    found = set(defn.filed_by)
    for step in defn.steps:
        if step.owner_role is not None:
            found.update((step.owner_role, *step.also_by))
        if step.owner_from == "approval_matrix":
            found.update(tier.role for tier in defn.approval_matrix.tiers)
            if defn.approval_matrix.not_valid_role is not None:
                found.add(defn.approval_matrix.not_valid_role)
    found.update(_RECIPIENT_ROLES.get(name, name) for name in defn.copies_to)
    return frozenset(found)


def may_read(
    defn: WorkflowDef, *, role: str, branch: str | None, case_branch: str | None,
    filed_role: str | None, head_office: Collection[str],
) -> bool:
    """Whether a caller of ``role`` working in ``branch`` may read the case."""
    if role in head_office:
        return branch is None or case_branch is None or branch == case_branch
    if case_branch is None or branch != case_branch:
        return False
    return role in route_roles(defn) or role == filed_role
