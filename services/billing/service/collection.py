"""Billing's own configuration of on-site collection (SPEC S10).

S10 collects a paid job on the spot when its fee is at or under the branch's threshold.
The threshold is billing's business, so billing configures it (not the shared branches
file): ``AFTERSALES_BILLING_ONSITE_THRESHOLD`` for every branch (default
:data:`~services.billing.domain.pricing.DEFAULT_ON_SITE_THRESHOLD`, 500.00 [choice]) and
``AFTERSALES_BILLING_ONSITE_THRESHOLDS`` (JSON, e.g. ``{"SC02": "300.00"}``) per branch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.money import parse_money

from ..domain.pricing import DEFAULT_ON_SITE_THRESHOLD


class CollectionSettings(BaseSettings):
    """The S10 on-site collection thresholds, from ``AFTERSALES_BILLING_*``."""

    model_config = SettingsConfigDict(env_prefix="AFTERSALES_BILLING_", extra="ignore",
                                      frozen=True)

    onsite_threshold: Decimal = DEFAULT_ON_SITE_THRESHOLD
    onsite_thresholds: dict[str, Decimal] = {}

    @field_validator("onsite_threshold", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        return parse_money(value, field="onsite_threshold", rule="S10")

    @field_validator("onsite_thresholds", mode="before")
    @classmethod
    def _amounts(cls, value: Any) -> dict[str, Decimal]:
        return {str(branch): parse_money(v, field=f"onsite_thresholds[{branch}]", rule="S10")
                for branch, v in dict(value).items()}

    def threshold(self, branch: str) -> Decimal:
        """The amount up to which ``branch`` collects a paid job on the spot (SPEC S10)."""
        return self.onsite_thresholds.get(branch, self.onsite_threshold)
