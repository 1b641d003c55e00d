"""What the end-to-end tests share: services as real processes on this test's stream
and databases, and an HTTP client to talk to them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tools.launcher import ServiceProcess, free_port

StartServices = Callable[..., dict[str, ServiceProcess]]


@pytest.fixture
def service_processes(ns, tmp_path: Path) -> Iterator[StartServices]:
    """``service_processes("intake", "dispatch")``: not yet started, each on a free port
    with the test's environment; all are stopped when the test ends."""
    made: list[ServiceProcess] = []

    def make(*names: str) -> dict[str, ServiceProcess]:
        procs = {name: ServiceProcess(name, env=ns.env(), port=free_port(),
                                      log_dir=tmp_path / "logs") for name in names}
        made.extend(procs.values())
        return procs

    yield make
    for p in made:
        p.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client
