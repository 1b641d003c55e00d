"""Refund and allowance instructions to a store's POS (SPEC §7, R2, C13).

At retail the counter decides within its authority and the cashier executes the refund or
allowance through the POS (R2); the POS's signed confirmation is the proof the booking
rests on (SPEC §7, in place of the paper proofs of C13.2(4)/(5)).

- one instruction per complaint case, ``PI-{case_no}``; ``return`` → ``refund``,
  ``allowance`` → ``allowance``; only a positive amount is instructed;
- delivery is retried with exponential back-off, ``base × 2^(failures−1)`` capped
  **[choice: 1 s base, 5 minutes cap]**, until the store answers 2xx;
- a store confirms a ``refund`` with ``return_executed`` and an ``allowance`` with
  ``allowance_executed``; any other pairing is not a confirmation of that instruction.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from services.billing.domain.money import positive_money
from services.billing.domain.returns import JournalLine, journal_for_allowance, journal_for_return
from shared.rules import RuleBroken

DEFAULT_RETRY_BASE_SECONDS = 1.0  # [choice]
DEFAULT_RETRY_CAP_SECONDS = 300.0  # [choice] 5 minutes


class InstructionType(StrEnum):
    """What the cashier is told to do on the POS (銷售小票, SPEC §7)."""

    REFUND = "refund"
    ALLOWANCE = "allowance"


class InstructionStatus(StrEnum):
    """``pending`` → ``delivered`` (store answered 2xx) → ``confirmed`` (cashier executed).

    A confirmation may also arrive while ``pending``; ``reversed`` when the booking made on
    the confirmation was corrected by its reversing journal entry (SPEC C13.2, §8).
    """

    PENDING = "pending"
    DELIVERED = "delivered"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"


_BY_HANDLING = {"return": InstructionType.REFUND, "allowance": InstructionType.ALLOWANCE}
_CONFIRMED_BY = {
    InstructionType.REFUND: "return_executed",
    InstructionType.ALLOWANCE: "allowance_executed",
}


def instruction_type(handling: str | None) -> InstructionType | None:
    """The POS instruction a complaint's handling calls for, if any (SPEC R2, §7)."""
    return _BY_HANDLING.get(handling or "")


def instruction_id(case_no: str) -> str:
    """The instruction's id, one per complaint case, also the webhook id (SPEC §7)."""
    return f"PI-{case_no}"


def confirming_kind(kind: InstructionType | str) -> str:
    """The POS event type that confirms an instruction of ``kind`` (CONTRACT "POS")."""
    return _CONFIRMED_BY[InstructionType(kind)]


def retry_delay(failures: int, *, base: float = DEFAULT_RETRY_BASE_SECONDS,
                cap: float = DEFAULT_RETRY_CAP_SECONDS) -> float:
    """Seconds to wait after the ``failures``-th failed delivery: 1, 2, 4, … ≤ cap (§7)."""
    if failures < 1:
        raise RuleBroken("must be at least 1", field="attempts", rule="§7")
    if base <= 0 or cap < base:
        raise RuleBroken("base must be positive and not above the cap",
                         field="retry_base_seconds", rule="§7")
    exponent = min(failures - 1, 62)  # beyond this the cap has long applied
    return min(cap, base * 2.0 ** exponent)


def executed_amount(raw: str) -> Decimal:
    """The amount the cashier executed, exact and positive (SPEC §7, §8)."""
    return positive_money(raw, field="amount", rule="§7")


def amount_differs(instructed: Decimal, executed: Decimal) -> bool:
    """Whether the POS executed another amount than instructed: held for review (§7)."""
    return instructed != executed


def journal_for(kind: InstructionType | str, amount: Decimal) -> list[JournalLine]:
    """The booking of an executed refund or allowance (SPEC C13.2(4)/(5))."""
    if InstructionType(kind) is InstructionType.REFUND:
        return journal_for_return(amount)
    return journal_for_allowance(amount)
