"""The billing app with the console's demo accounts (sign-in by cookie), on the bus."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import nats
import pytest

from services.billing.app import create_app
from shared.clock import FixedClock
from shared.web.accounts import DEFAULT_FILE
from tests.helpers import running

from ..support import START, Billing


@pytest.fixture
async def console(ns: Any) -> AsyncIterator[Billing]:
    clock = FixedClock(START)
    settings = ns.settings("billing", accounts_file=DEFAULT_FILE, cookie_secure=False)
    async with running(create_app(settings, clock=clock)) as client:
        nc = await nats.connect(ns.infra.nats_url)
        try:
            yield Billing(app=client._transport.app, client=client,  # type: ignore[attr-defined]
                          clock=clock, nc=nc, prefix=ns.tag, stream=ns.tag.upper())
        finally:
            await nc.close()
