"""The complaint routing chain as data, and the functions that walk it (SPEC C9.4, C10).

A `WorkflowDef` lists the steps of one organisation profile (manufacturer, retail R2,
service Q26/Q28) with owner, allowed time, an optional named condition and the decision
fields each step needs. `WorkflowDef.model_validate` refuses an ill-formed definition with
the reason. The built-in profiles live in `profiles.py`; a company may load its own.

[choice] Step times are calendar time: a "day" is `day_hours` (24) hours, so ½ day is
12 hours. Pass `advance=` to count inside a branch's working-hours calendar instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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

from .approval import (
    MANUFACTURER_MATRIX,
    ApprovalMatrix,
    approver_for,
    check_promise_within_authority,
)
from .case_state import CaseState
from .common import ROLES, Market, check_market, to_utc
from .conditions import CONDITION_INPUTS, CONDITIONS
from .errors import ConflictError, DomainError
from .fields import COMMON_OPTIONAL, STANDARD_FIELDS, FieldSpec, coerce

Advance = Callable[[datetime, timedelta], datetime]
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


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
    allowed: Allowed | None = None
    condition: str | None = None
    fields: tuple[str, ...] = ()
    optional_fields: tuple[str, ...] = ()
    on_reject: str | None = None

    @model_validator(mode="after")
    def _check(self) -> StepDef:
        if (self.owner_role is None) == (self.owner_from is None):
            raise ValueError(f"step {self.name}: give exactly one of owner_role, owner_from")
        if self.owner_role is not None and self.owner_role not in ROLES:
            raise ValueError(f"step {self.name}: unknown role {self.owner_role!r}")
        if self.condition is not None and self.condition not in CONDITIONS:
            raise ValueError(f"step {self.name}: unknown condition {self.condition!r}")
        names = [*self.fields, *self.optional_fields]
        if len(names) != len(set(names)):
            raise ValueError(f"step {self.name}: a field is listed twice")
        if self.on_reject is not None and "approved" not in self.fields:
            raise ValueError(f"step {self.name}: on_reject needs an 'approved' field")
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

    @model_validator(mode="after")
    def _check(self) -> WorkflowDef:
        if not self.steps:
            raise ValueError("a workflow needs at least one step")
        seen: list[str] = []
        asked: set[str] = set()
        for step in self.steps:
            if step.name in seen:
                raise ValueError(f"duplicate step name {step.name!r}")
            for name in (*step.fields, *step.optional_fields):
                if self.field_spec(name) is None:
                    raise ValueError(f"step {step.name}: field {name!r} has no type")
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

    def field_spec(self, name: str) -> FieldSpec | None:
        """The type of a decision field: the definition's own first, then the standard one."""
        return self.field_types.get(name) or STANDARD_FIELDS.get(name)

    def step(self, name: str) -> StepDef:
        """The step called `name`; DomainError when the profile has none."""
        for step in self.steps:
            if step.name == name:
                return step
        raise DomainError(self.rule, "step", f"profile {self.profile} has no step {name!r}")

    def step_names(self) -> list[str]:
        """Step names in chain order."""
        return [step.name for step in self.steps]


def _applies(defn: WorkflowDef, step: StepDef, case: CaseState) -> bool:
    return step.condition is None or CONDITIONS[step.condition](case, defn.approval_matrix)


def first_step(defn: WorkflowDef, case: CaseState | None = None) -> str:
    """The step a new case starts at: the first whose condition holds (SPEC C9.4)."""
    state = case or CaseState()
    for step in defn.steps:
        if _applies(defn, step, state):
            return step.name
    raise DomainError(defn.rule, "profile", f"no step of {defn.profile} applies to this case")


def next_step(defn: WorkflowDef, current_step: str, case_state: CaseState) -> str | None:
    """The step after `current_step` given the decisions so far; None means closed (C9.4)."""
    current = defn.step(current_step)
    if current.on_reject is not None:
        decision = case_state.decisions.get(current.name, {})
        if decision.get("approved") is False:
            return current.on_reject
    index = defn.step_names().index(current_step)
    for step in defn.steps[index + 1 :]:
        if _applies(defn, step, case_state):
            return step.name
    return None


def step_owner(defn: WorkflowDef, step: str, case_state: CaseState) -> str:
    """The role that must complete `step`; approval comes from the matrix (C9.4, C9.6)."""
    definition = defn.step(step)
    if definition.owner_role is not None:
        return definition.owner_role
    amount = case_state.fact("amount")
    if amount is None:
        raise DomainError(defn.rule, "amount", f"step {step} needs the proposed amount first")
    return approver_for(amount, defn.approval_matrix, handling=case_state.fact("handling"))


def ensure_current_step(case_state: CaseState, step: str, *, rule: str = "C9.4") -> None:
    """Refuse work on a step that is not the case's current one (CONTRACT: 409)."""
    if case_state.closed or case_state.current_step is None:
        raise ConflictError(rule, "step", "the case is closed")
    if case_state.current_step != step:
        raise ConflictError(
            rule, "step", f"{step} is not the current step ({case_state.current_step})"
        )


def _advance(start: datetime, delta: timedelta, advance: Advance | None) -> datetime:
    return advance(start, delta) if advance is not None else start + delta


def step_due(
    defn: WorkflowDef,
    step: str,
    started_at: datetime,
    market: str,
    *,
    case_due_at: datetime | None = None,
    advance: Advance | None = None,
) -> datetime | None:
    """When `step` is due: its start plus its allowed time (SPEC C9.4), else the case due."""
    start = to_utc(started_at, rule=defn.rule, field="started_at")
    allowed = defn.step(step).allowed_for(check_market(market, rule=defn.rule))
    if allowed is None:
        return case_due_at
    return _advance(start, allowed.to_timedelta(day_hours=defn.day_hours), advance)


def case_due(
    defn: WorkflowDef, registered_at: datetime, market: str, *, advance: Advance | None = None
) -> datetime:
    """The case deadline: 13 (domestic) or 17 (foreign) calendar days from registration (C10)."""
    start = to_utc(registered_at, rule="C10", field="registered_at")
    days = getattr(defn.case_days, check_market(market, rule="C10"))
    return _advance(start, timedelta(days=days), advance)


def validate_step_input(defn: WorkflowDef, step: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Check a step's decision fields and return them normalised; errors name the field (C9.4)."""
    definition = defn.step(step)
    allowed = {*definition.fields, *definition.optional_fields, *COMMON_OPTIONAL}
    for name in fields:
        if name not in allowed:
            raise DomainError(defn.rule, name, f"is not a field of step {step}")
    clean: dict[str, Any] = {}
    for name in (*definition.fields, *definition.optional_fields, *COMMON_OPTIONAL):
        value = fields.get(name)
        if value is None:
            if name in definition.fields:
                raise DomainError(defn.rule, name, f"is required by step {step}")
            continue
        spec = defn.field_spec(name)
        assert spec is not None  # guaranteed by WorkflowDef validation
        clean[name] = coerce(name, spec, value, rule=defn.rule)
        if spec.within_authority:
            owner = definition.owner_role or "approver"
            check_promise_within_authority(owner, clean[name], defn.approval_matrix)
    if clean.get("handling") == "not_valid" and clean.get("amount", 0) != 0:
        raise DomainError("C9.14", "amount", "a complaint found not valid carries no amount")
    return clean
