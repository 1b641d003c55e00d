"""Builds the intake service: the customer file and the repair-call register."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import api, handlers, pages
from .models import Base, plumbing


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    """The intake app; nothing is connected until its lifespan starts."""
    settings = settings or Settings(service="intake")
    pos_limit = settings.pos_max_body_bytes  # POSLog documents may be big (issue 11)
    return build_app(
        service="intake",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        # the forms first: /customers/new and /calls/new are pages, not ids of the JSON
        # routes; the other pages after those
        routers=[pages.forms, *api.routers, pages.router],
        templates=Path(__file__).with_name("templates"),
        translations=Path(__file__).with_name("translations"),
        consumers=handlers.register,
        settings=settings,
        clock=clock,
        body_limits={"/pos/poslog": pos_limit,
                     "/pos/events": min(pos_limit, settings.max_body_bytes)},
        description="Repair-call intake: customer file, call register, service vouchers.",
    )
