"""Approval authority (核決權限) as configurable data (SPEC C9.4, C9.6, C9.11, R2).

[choice] Default manufacturer matrix: amounts up to 5,000.00 are approved by the sales
manager, up to 50,000.00 by the vice GM, up to 1,000,000.00 by the GM; a complaint found
not valid is approved by the sales manager whatever the amount.
[choice] C9.11: the top tier always has a ceiling. A tier given without one (the GM's, the
branch manager's) gets ``DEFAULT_TOP_CEILING`` (1,000,000.00); an amount above the highest
ceiling is refused (422 naming ``amount``). A company sets its own thresholds and ceiling
in its approval-matrix file (``service/approval_config.py``), not in a new profile.
[choice] A higher authority may approve a lower amount (``higher_may_approve``, default
true): the GM may approve a case the sales manager could; a lower one never approves a
higher amount.
[choice] Default retail matrix (R2): a counter may grant allowances up to 500.00 on the
counter lead's word; compensation (賠款) of any amount, and any larger allowance, needs the
branch manager's approval. The seed is silent on large refunds; a return above the limit
is treated like an allowance and goes to the branch as well.

Invariant: tiers rise strictly and every tier, the last included, has a ceiling.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.money import parse_money
from shared.rules import RuleBroken

from .common import ROLES

DEFAULT_TOP_CEILING = Decimal("1000000.00")


class ApprovalTier(BaseModel):
    """One rung of the matrix: `role` approves amounts up to `up_to` (None on the top tier:
    the default ceiling, C9.11)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    up_to: Decimal | None = None

    @model_validator(mode="after")
    def _check(self) -> ApprovalTier:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r} in approval matrix")
        if self.up_to is not None and self.up_to <= 0:
            raise ValueError(f"approval ceiling for {self.role} must be positive")
        return self


class ApprovalMatrix(BaseModel):
    """Who approves which amount; for retail, what a counter may grant alone (C9.4, R2)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tiers: tuple[ApprovalTier, ...]
    not_valid_role: str | None = "sales_manager"
    counter_limit: Decimal | None = None
    always_approve: frozenset[str] = Field(default_factory=frozenset)
    higher_may_approve: bool = True

    @model_validator(mode="before")
    @classmethod
    def _top_ceiling(cls, data: Any) -> Any:
        """C9.11: a top tier given without a ceiling gets the default one."""
        if not isinstance(data, dict):
            return data
        tiers = list(data.get("tiers") or ())
        if not tiers:
            return data
        last = tiers[-1]
        if isinstance(last, ApprovalTier):
            last = last.model_dump()
        if isinstance(last, dict) and last.get("up_to") is None:
            tiers[-1] = {**last, "up_to": DEFAULT_TOP_CEILING}
            return {**data, "tiers": tiers}
        return data

    @model_validator(mode="after")
    def _check(self) -> ApprovalMatrix:
        if not self.tiers:
            raise ValueError("approval matrix needs at least one tier")
        ceilings = [tier.up_to for tier in self.tiers]
        if any(c is None for c in ceilings[:-1]):
            raise ValueError("only the last approval tier may be given without a ceiling")
        bounded = [c for c in ceilings if c is not None]
        if any(a >= b for a, b in pairwise(bounded)):
            raise ValueError("approval tiers must rise strictly (give the top tier a ceiling "
                             f"above the others; the default is {DEFAULT_TOP_CEILING})")
        if self.not_valid_role is not None and self.not_valid_role not in ROLES:
            raise ValueError(f"unknown role {self.not_valid_role!r} for not_valid approval")
        if self.counter_limit is not None and self.counter_limit < 0:
            raise ValueError("counter_limit must not be negative")
        return self

    @property
    def ceiling(self) -> Decimal | None:
        """The highest amount anyone in the matrix may approve (C9.11)."""
        return self.tiers[-1].up_to


MANUFACTURER_MATRIX = ApprovalMatrix(
    tiers=(
        ApprovalTier(role="sales_manager", up_to=Decimal("5000.00")),
        ApprovalTier(role="vice_gm", up_to=Decimal("50000.00")),
        ApprovalTier(role="gm", up_to=DEFAULT_TOP_CEILING),
    ),
    not_valid_role="sales_manager",
)

RETAIL_COUNTER_LIMIT = Decimal("500.00")

RETAIL_MATRIX = ApprovalMatrix(
    tiers=(
        ApprovalTier(role="counter_lead", up_to=RETAIL_COUNTER_LIMIT),
        ApprovalTier(role="branch_manager", up_to=DEFAULT_TOP_CEILING),
    ),
    not_valid_role="counter_lead",
    counter_limit=RETAIL_COUNTER_LIMIT,
    always_approve=frozenset({"compensation"}),
)


def approver_for(
    amount: Decimal | str | int, matrix: ApprovalMatrix, *, handling: str | None = None
) -> str:
    """The role whose approval the amount (and handling) needs (SPEC C9.4 核決權限)."""
    value = parse_money(amount, field="amount", rule="C9.4")
    if handling == "not_valid" and matrix.not_valid_role is not None:
        return matrix.not_valid_role
    floor = matrix.counter_limit if handling in matrix.always_approve else None
    for tier in matrix.tiers:
        if floor is not None and tier.up_to is not None and tier.up_to <= floor:
            continue  # R2: compensation skips the counter's own tier
        if tier.up_to is None or value <= tier.up_to:
            return tier.role
    raise RuleBroken(f"{value} is above every approval authority ({matrix.ceiling})",
                     field="amount", rule="C9.11")


def approvers_for(
    amount: Decimal | str | int, matrix: ApprovalMatrix, *, handling: str | None = None
) -> tuple[str, ...]:
    """Every role that may approve the amount: the one it needs first, then, when the
    company's policy lets a higher authority approve a lower amount, the tiers above it
    (SPEC C9.4 核決權限)."""
    needed = approver_for(amount, matrix, handling=handling)
    roles = [tier.role for tier in matrix.tiers]
    if not matrix.higher_may_approve or needed not in roles:
        return (needed,)
    above = roles[roles.index(needed) + 1:]
    return tuple(dict.fromkeys([needed, *above]))


def authority_limit(role: str, matrix: ApprovalMatrix) -> Decimal | None:
    """The most `role` may approve (None = unlimited); a role outside the matrix has none."""
    for tier in reversed(matrix.tiers):
        if tier.role == role:
            return tier.up_to
    return Decimal("0.00")


def check_promise_within_authority(
    role: str, amount: Decimal | str | int, matrix: ApprovalMatrix
) -> Decimal:
    """Refuse a proposed amount above the highest authority configured (SPEC C9.11)."""
    value = parse_money(amount, field="amount", rule="C9.11")
    ceiling = matrix.ceiling
    if ceiling is not None and value > ceiling:
        raise RuleBroken(
            f"{role} may not promise {value}: above the highest approval authority ({ceiling})",
            field="amount", rule="C9.11",
        )
    return value


def check_approver(
    role: str, amount: Decimal | str | int, matrix: ApprovalMatrix, *, handling: str | None = None
) -> None:
    """Refuse an approval by a role that does not hold the authority (SPEC C9.4, §8)."""
    allowed = approvers_for(amount, matrix, handling=handling)
    if role not in allowed:
        raise RuleBroken(
            f"this approval belongs to {' or '.join(allowed)}, not {role}", field="approved",
            rule="C9.4",
        )


def check_within_approval(
    amount: Decimal | str | int, approved: Decimal | str | int | None
) -> Decimal:
    """What is carried out never exceeds what was approved (SPEC C9.11, C9.4)."""
    value = parse_money(amount, field="amount", rule="C9.11")
    if approved is not None and value > parse_money(approved, field="amount", rule="C9.11"):
        raise RuleBroken(f"{value} is more than the {approved} approved", field="amount",
                         rule="C9.11")
    return value


def within_counter_authority(
    handling: str, amount: Decimal | str | int, matrix: ApprovalMatrix
) -> bool:
    """True when a retail counter may settle alone: no compensation, allowance ≤ limit (R2)."""
    value = parse_money(amount, field="amount", rule="R2")
    if handling in matrix.always_approve:
        return False
    return matrix.counter_limit is not None and value <= matrix.counter_limit


def approval_required(
    handling: str | None, amount: Decimal | str | int | None, matrix: ApprovalMatrix
) -> bool:
    """Whether the case needs an approval step (C9.4: always; R2: beyond counter authority)."""
    if matrix.counter_limit is None:
        return True
    if handling is None or amount is None:
        return True
    return not within_counter_authority(handling, amount, matrix)
