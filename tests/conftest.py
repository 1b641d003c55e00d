"""Fixtures shared by every test: real infrastructure and per-test namespaces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from .infra import Infra, Namespace, discover


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes real infrastructure is an integration test, marked or not, so
    ``make test-fast`` (``-m "not integration and not e2e"``) never starts a server."""
    for item in items:
        if {"ns", "infra", "namespace"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


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


# What a service process writes when a request ended in a server error.
SERVER_ERROR_MARKS = ("Exception in ASGI application", '"status": 500',
                      " 500 Internal Server Error")


def _server_errors_in_logs(base: Path) -> list[str]:
    found = []
    for log in sorted(base.rglob("*.log")):
        for number, line in enumerate(log.read_text(errors="replace").splitlines(), 1):
            if any(mark in line for mark in SERVER_ERROR_MARKS):
                found.append(f"{log}:{number}: {line[:300]}")
    return found


@pytest.fixture(scope="session", autouse=True)
def no_server_error_in_any_service_log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Issue 11: no 500 in any test's service logs (processes started by e2e tests log
    into the tests' temporary folders; in-process apps raise into the test instead)."""
    yield
    found = _server_errors_in_logs(tmp_path_factory.getbasetemp())
    assert not found, "server errors in service logs:\n" + "\n".join(found)
