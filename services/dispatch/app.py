"""Builds the dispatch service: the supervisor's board and the technicians' visits."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import api, handlers, pages
from .models import Base, plumbing


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The dispatch app; nothing is connected until its lifespan starts."""
    return build_app(
        service="dispatch",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        routers=[*api.routers, pages.router],
        templates=Path(__file__).parent / "templates",
        translations=Path(__file__).parent / "translations",
        consumers=handlers.register,
        settings=settings,
        clock=clock,
        description="Dispatch: the supervisor's board, visits, carry-in repairs, daily reports.",
    )
