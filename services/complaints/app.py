"""Builds the complaints service: the arbitration chain between departments (SPEC §3)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import handlers, pages
from .api import routers
from .models import Base, plumbing


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The complaints app; nothing is connected until its lifespan starts."""
    app = build_app(
        service="complaints",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        routers=[*routers, pages.router],
        templates=Path(__file__).with_name("templates"),
        translations=Path(__file__).with_name("translations"),
        consumers=handlers.register,
        settings=settings,
        clock=clock,
        description="Complaint arbitration: the department routing chain and penalties.",
    )
    return app
