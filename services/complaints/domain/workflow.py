"""The complaint routing chain as data (SPEC C9.4, C10, R2, Q26/Q28).

A `WorkflowDef` lists the steps of one organisation profile (manufacturer, retail R2,
service Q26/Q28) with owner, allowed time, an optional named condition, named checks and
the decision fields each step needs; besides the steps it says who may file a case, what a
filing must carry (C9.1), which classifications it takes (C5, R1) and who receives the
closed form's copies (C9.8). `WorkflowDef.model_validate` refuses an ill-formed definition
with the reason. The built-in profiles live in `profiles.py`; a company may load its own.
`routing.py` walks a definition.

[choice] Step times are calendar time: a "day" is `day_hours` (24) hours, so ½ day is
12 hours. Pass `advance=` to count inside a branch's working-hours calendar instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PositiveInt,
    Tag,
    model_validator,
)

from shared.rules import RuleBroken

from .approval import MANUFACTURER_MATRIX, ApprovalMatrix
from .checks import CHECKS
from .common import CLASSIFICATIONS, COPY_RECIPIENTS, ROLES, Market
from .conditions import CONDITION_INPUTS, CONDITIONS
from .fields import STANDARD_FIELDS, FieldSpec

Advance = Callable[[datetime, timedelta], datetime]
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
# C9.1: filing data a profile may require (defective_quantity may stay undetermined);
# Q26: the severity the service department gives a complaint it files.
FILING_FIELDS: tuple[str, ...] = ("order_no", "part_no", "ship_date", "quantity", "severity")
# A false answer in one of these sends the case back to the step's `on_reject`: `approved`
# is an approval of the amount (C9.4), `accepted` a review that approves nothing (C9.4b, C9.5).
REJECT_FIELDS: tuple[str, ...] = ("approved", "accepted")


class Duration(BaseModel):
    """A step's allowed time, in days (`{"days": 0.5}`) or hours (`{"hours": 12}`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: Decimal | None = None
    hours: Decimal | None = None

    @model_validator(mode="after")
    def _check(self) -> Duration:
        given = [v for v in (self.days, self.hours) if v is not None]
        if len(given) != 1:
            raise ValueError("give a duration in either days or hours")
        if given[0] <= 0:
            raise ValueError("a duration must be positive")
        return self

    def to_timedelta(self, *, day_hours: Decimal) -> timedelta:
        """The duration as a timedelta, a day being `day_hours` hours."""
        hours = self.hours if self.hours is not None else self.days * day_hours  # type: ignore[operator]
        return timedelta(microseconds=int(hours * 3_600_000_000))


class PerMarket(BaseModel):
    """Different allowed times for domestic and foreign customers (C9.4 sales: 5 / 12 days)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domestic: Duration
    foreign: Duration


def _allowed_kind(value: Any) -> str:
    if isinstance(value, PerMarket):
        return "per_market"
    if isinstance(value, dict) and {"domestic", "foreign"} & value.keys():
        return "per_market"
    return "flat"


Allowed = Annotated[
    Annotated[Duration, Tag("flat")] | Annotated[PerMarket, Tag("per_market")],
    Discriminator(_allowed_kind),
]


class StepDef(BaseModel):
    """One step of the chain: who owns it, its time, its condition and its decision fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    owner_role: str | None = None
    owner_from: Literal["approval_matrix"] | None = None
    # Roles that may complete the step on its owner's behalf; the owner keeps its deadline
    # (R2b: a counter registers for its group leader at a one-person counter).
    also_by: tuple[str, ...] = ()
    allowed: Allowed | None = None
    condition: str | None = None
    checks: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    optional_fields: tuple[str, ...] = ()
    on_reject: str | None = None
    # SPEC C9.4b, C9.5, C9.2b: a company that does not run a hop switches it off in its
    # own definition; a switched-off step is listed but never routed to.
    enabled: bool = True

    @model_validator(mode="after")
    def _check(self) -> StepDef:
        if (self.owner_role is None) == (self.owner_from is None):
            raise ValueError(f"step {self.name}: give exactly one of owner_role, owner_from")
        for role in (self.owner_role, *self.also_by):
            if role is not None and role not in ROLES:
                raise ValueError(f"step {self.name}: unknown role {role!r}")
        if self.also_by and self.owner_role is None:
            raise ValueError(f"step {self.name}: also_by needs an owner_role")
        if self.condition is not None and self.condition not in CONDITIONS:
            raise ValueError(f"step {self.name}: unknown condition {self.condition!r}")
        for check in self.checks:
            if check not in CHECKS:
                raise ValueError(f"step {self.name}: unknown check {check!r}")
        names = [*self.fields, *self.optional_fields]
        if len(names) != len(set(names)):
            raise ValueError(f"step {self.name}: a field is listed twice")
        if self.on_reject is not None and not set(REJECT_FIELDS) & set(self.fields):
            raise ValueError(f"step {self.name}: on_reject needs an 'approved' or 'accepted' field")
        return self

    def allowed_for(self, market: Market) -> Duration | None:
        """The allowed time for this market, or None when only the case deadline applies."""
        if isinstance(self.allowed, PerMarket):
            return getattr(self.allowed, market)
        return self.allowed


class CaseDays(BaseModel):
    """Days from registration to closing, per market (SPEC C10: 13 domestic, 17 foreign)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domestic: PositiveInt = 13
    foreign: PositiveInt = 17


class WorkflowDef(BaseModel):
    """One organisation profile's complaint chain (SPEC C9.4, R2, Q26/Q28)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: str = Field(pattern=NAME_PATTERN)
    rule: str = "C9.4"
    steps: tuple[StepDef, ...]
    case_days: CaseDays = CaseDays()
    day_hours: Decimal = Field(default=Decimal(24), gt=0, le=24)
    approval_matrix: ApprovalMatrix = MANUFACTURER_MATRIX
    field_types: dict[str, FieldSpec] = Field(default_factory=dict)
    filed_by: tuple[str, ...] = ("sales",)
    filing_fields: tuple[str, ...] = ()
    classifications: tuple[str, ...] = ("non_quality", "quality")
    copies_to: tuple[str, ...] = COPY_RECIPIENTS

    @model_validator(mode="after")
    def _check(self) -> WorkflowDef:
        if not any(step.enabled for step in self.steps):
            raise ValueError("a workflow needs at least one step switched on")
        self._check_lists()
        seen: list[str] = []
        asked: set[str] = set()
        names: list[str] = []
        for step in self.steps:
            if step.name in names:
                raise ValueError(f"duplicate step name {step.name!r}")
            names.append(step.name)
            for name in (*step.fields, *step.optional_fields):
                if self.field_spec(name) is None:
                    raise ValueError(f"step {step.name}: field {name!r} has no type")
            if not step.enabled:
                continue  # a switched-off hop neither needs nor gives decisions (C9.4b)
            needed = CONDITION_INPUTS.get(step.condition or "", ())
            if step.owner_from == "approval_matrix":
                needed = (*needed, "amount")
            missing = [n for n in needed if n not in asked]
            if missing:
                raise ValueError(f"step {step.name}: needs {missing[0]!r} from an earlier step")
            if step.on_reject is not None and step.on_reject not in seen:
                raise ValueError(f"step {step.name}: on_reject must name an earlier step")
            seen.append(step.name)
            asked.update(step.fields)
        return self

    def _check_lists(self) -> None:
        if not self.filed_by:
            raise ValueError("filed_by must name at least one role")
        for role in self.filed_by:
            if role not in ROLES:
                raise ValueError(f"filed_by: unknown role {role!r}")
        for name in self.filing_fields:
            if name not in FILING_FIELDS:
                allowed = ", ".join(FILING_FIELDS)
                raise ValueError(f"filing_fields: {name!r} is not one of {allowed}")
        if not self.classifications:
            raise ValueError("classifications must list at least one")
        for name in self.classifications:
            if name not in CLASSIFICATIONS:
                raise ValueError(f"classifications: unknown classification {name!r}")
        for name in self.copies_to:
            if name not in ROLES and name != "accounting":
                raise ValueError(f"copies_to: unknown recipient {name!r}")

    def field_spec(self, name: str) -> FieldSpec | None:
        """The type of a decision field: the definition's own first, then the standard one."""
        return self.field_types.get(name) or STANDARD_FIELDS.get(name)

    def step(self, name: str) -> StepDef:
        """The step called `name`; RuleBroken when the profile has none."""
        for step in self.steps:
            if step.name == name:
                return step
        raise RuleBroken(
            f"profile {self.profile} has no step {name!r}", field="step", rule=self.rule,
        )

    def step_names(self) -> list[str]:
        """Step names in chain order, switched-off ones included."""
        return [step.name for step in self.steps]

    def enabled_steps(self) -> list[str]:
        """The steps a case of this definition is routed through (C9.4b: hops switched off
        in the company's definition are left out)."""
        return [step.name for step in self.steps if step.enabled]


