"""Builds the billing service: invoices, contracts and returns accounting."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import api, handlers
from .models import Base, plumbing


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The billing app; nothing is connected until its lifespan starts."""
    return build_app(
        service="billing",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        routers=[api.router],
        consumers=handlers.register,
        settings=settings,
        clock=clock,
        description="Billing and returns accounting: invoices, contracts, returns, deductions.",
    )
