"""Fixtures for billing's integration tests: the app on a fixed clock, and a bus
(:class:`tests.billing.support.Billing`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest

from services.billing.app import create_app
from shared.clock import FixedClock
from tests.helpers import running

from .support import START, Billing


@pytest.fixture
async def billing(ns: Any) -> AsyncIterator[Billing]:
    clock = FixedClock(START)
    app = create_app(ns.settings("billing"), clock=clock)
    async with running(app) as client:
        nc = await nats.connect(ns.infra.nats_url)
        try:
            yield Billing(app=app, client=client, clock=clock, nc=nc, prefix=ns.tag,
                          stream=ns.tag.upper())
        finally:
            await nc.close()
