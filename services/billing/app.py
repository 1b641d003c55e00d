"""Builds the billing service: invoices, contracts, extended warranties, returns, deductions.

Refusals are the shared ``shared.rules`` family, answered by the shared handlers with
``detail`` naming the field and the SPEC rule (§8).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from shared.clock import Clock
from shared.runtime import build_app
from shared.settings import Settings

from . import api, handlers, pages
from .models import Base, plumbing
from .service.collection import CollectionSettings
from .service.pos_delivery import PosDelivery


def create_app(
    settings: Settings | None = None, clock: Clock | None = None,
    pos_delivery: PosDelivery | None = None, collection: CollectionSettings | None = None,
) -> FastAPI:
    """The billing app; nothing is connected until its lifespan starts.

    ``pos_delivery`` tunes how POS instructions are re-sent (default: from the
    ``AFTERSALES_POS_*`` environment, 1 s base back-off capped at 5 minutes);
    ``collection`` the S10 on-site thresholds (default: ``AFTERSALES_BILLING_*``).
    """
    app = build_app(
        service="billing",
        metadata=Base.metadata,
        plumbing=plumbing,
        migrations_dir=Path(__file__).with_name("migrations"),
        routers=[api.router, pages.router],
        templates=Path(__file__).with_name("templates"),
        translations=Path(__file__).with_name("translations"),
        consumers=lambda rt: handlers.register(rt, delivery=pos_delivery,
                                               collection=collection),
        settings=settings,
        clock=clock,
        description="Billing and returns accounting: invoices, contracts, returns, deductions.",
    )

    return app
