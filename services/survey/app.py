"""Builds the survey service: customer opinion cards and technician scores."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import api, handlers, pages
from .models import Base, plumbing


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The survey app; nothing is connected until its lifespan starts."""
    return build_app(
        service="survey",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        routers=[*api.routers, pages.router],
        templates=Path(__file__).with_name("templates"),
        translations=Path(__file__).with_name("translations"),
        consumers=handlers.register,
        settings=settings,
        clock=clock,
        description=(
            "Customer surveys: a card for every call, answers on paper or through a "
            "one-time link, technician scores and rankings."
        ),
    )
