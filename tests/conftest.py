"""Fixtures shared by every test: real infrastructure and per-test namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from .infra import Infra, Namespace, discover


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    found = discover()
    print(f"\ntest infrastructure: {found.source} nats={found.nats_url} db={found.database_url}")
    yield found
    found.close()


@pytest.fixture
async def ns(infra: Infra, tmp_path: Path) -> AsyncIterator[Namespace]:
    namespace = Namespace(infra=infra, tmp=tmp_path)
    yield namespace
    await namespace.cleanup()
