"""Refusals raised by intake's pure rules: the shared ones (``shared.rules``), which the
HTTP layer answers 422 (``RuleBroken``) or 409 (``WrongState``), naming rule and field."""

from shared.rules import Refusal as DomainError
from shared.rules import RuleBroken, WrongState

__all__ = ["DomainError", "RuleBroken", "WrongState"]
