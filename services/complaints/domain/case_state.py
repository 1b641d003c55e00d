"""The state of one complaint case as the routing and deadline rules see it (SPEC C9.4, C14).

Plain data: the service layer builds it from its rows; nothing here touches storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .common import Market


@dataclass(frozen=True, slots=True)
class CaseState:
    """What routing and deadlines need to know about one case (SPEC C9.4, C14)."""

    market: Market = "domestic"
    current_step: str | None = None
    decisions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    step_started_at: datetime | None = None
    step_due_at: datetime | None = None
    case_due_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def closed(self) -> bool:
        """True once the last step is done."""
        return self.closed_at is not None

    def fact(self, name: str) -> Any:
        """The latest decided value of `name`, else the case attribute, else None."""
        for decision in reversed(list(self.decisions.values())):
            if name in decision:
                return decision[name]
        return self.attributes.get(name)

    def with_decision(self, step: str, decision: Mapping[str, Any]) -> CaseState:
        """A copy with `step`'s decision recorded (replacing an earlier round of it)."""
        decisions = {k: v for k, v in self.decisions.items() if k != step}
        decisions[step] = dict(decision)
        return replace(self, decisions=decisions)
