"""The service department's triage of a card's complaint or suggestion, free of I/O.

SPEC Q26: a serious one (情節重大者) goes at once to the vice GM, a general one the
service department handles itself. Who judges seriousness is the service department,
not the customer's tick: the customer's choice is kept beside the triaged one, and a
triage that changes it says why. Only a triaged complaint is forwarded
(``SurveyComplaintRaised``), so a serious case cannot reach the vice GM as general
because the customer ticked general, nor the other way round.

[choice] A suggestion (建議) is triaged like a complaint: Q26 reads "對客戶的建議或抱怨,
其情節重大者…其屬一般性質者", so a suggestion too is serious or general, and forwarding it
untriaged would send a serious one down the general path.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.rules import RuleBroken, WrongState

from .cards import SEVERITIES

# A card's complaint: awaiting the service department's triage, then raised (forwarded).
AWAITING = "awaiting_triage"
RAISED = "raised"
STATUSES = (AWAITING, RAISED)
REASON_LIMIT = 2000  # [choice] what the card keeps of a triage reason


@dataclass(frozen=True)
class Triage:
    """The service department's verdict on one complaint (Q26)."""

    severity: str
    customer_severity: str
    reason: str | None

    @property
    def changed(self) -> bool:
        """Whether the service department overrode the customer's choice."""
        return self.severity != self.customer_severity


def check_triage(
    *, status: str | None, customer_severity: str | None, severity: object, reason: object
) -> Triage:
    """Q26: a complaint awaiting triage gets serious or general; a change needs a reason."""
    if status is None or customer_severity is None:
        raise WrongState("the card carries no complaint or suggestion to triage",
                         field="id", rule="Q26")
    if status != AWAITING:
        raise WrongState("the complaint was already triaged", field="id", rule="Q26")
    if severity not in SEVERITIES:
        raise RuleBroken("must be serious or general", field="severity", rule="Q26")
    clean = str(reason).strip()[:REASON_LIMIT] if reason is not None else ""
    verdict = Triage(severity=str(severity), customer_severity=customer_severity,
                     reason=clean or None)
    if verdict.changed and verdict.reason is None:
        raise RuleBroken(f"changing the customer's {customer_severity!r} to {severity!r} "
                         "needs a reason", field="reason", rule="Q26")
    return verdict
