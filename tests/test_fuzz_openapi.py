"""Every service's OpenAPI, fuzzed in-process (issue 11): schemathesis generates requests
from each operation's schema and sends them, with a token of a role the route admits, to
the app running on the real NATS and a real database. No answer may be a server error or
break the documented schema (status code, content type, body).

Examples per operation are bounded (``AFTERSALES_FUZZ_EXAMPLES``, default 12) and
derandomised, so a run is deterministic and takes seconds per service.
"""

from __future__ import annotations

import asyncio
import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from starlette.testclient import TestClient

from shared.auth import HEAD_OFFICE_ROLES

from .helpers import token
from .infra import Infra, Namespace
from .routes import allowed_roles, name, routes_of

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("AFTERSALES_FUZZ_EXAMPLES", "12"))
SERVICES = ("intake", "dispatch", "complaints", "billing", "survey")
# Who each operation is called as: a role it admits, preferring the department's own.
PREFERRED = ("clerk", "supervisor", "technician", "accountant", "branch_manager", "pos",
             "service_dept", "gm_office", "qa", "sales", "counter", "admin")
# Checks that judge the server, not the generator (schemathesis would otherwise also
# demand that a request it generated outside the schema be refused, which our 4xx do).
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")


def _caller(roles: set[str]) -> dict[str, str]:
    role = next((r for r in PREFERRED if r in roles), sorted(roles)[0])
    user = {"technician": "T01", "supervisor": "S01", "branch_manager": "M01",
            "pos": "ST01", "clerk": "C01", "accountant": "A01"}.get(role, role.upper())
    return token(role, user, None if role in HEAD_OFFICE_ROLES else "SC01")


@pytest.fixture
def namespace(infra: Infra, tmp_path: Path) -> Iterator[Namespace]:
    ns = Namespace(infra=infra, tmp=tmp_path)
    yield ns
    asyncio.run(ns.cleanup())


def _factory(service: str) -> Callable[..., FastAPI]:
    return importlib.import_module(f"services.{service}.app").create_app


@pytest.mark.parametrize("service", SERVICES)
def test_openapi_fuzz_finds_no_server_error(
    service: str, namespace: Namespace, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _factory(service)(namespace.settings(service))
    callers = {name(r): _caller(allowed_roles(r)) for r in routes_of(app)}
    schema = schemathesis.openapi.from_dict(app.openapi())
    checks = [getattr(schemathesis.checks, c) for c in CHECKS]
    sent = 0
    failures: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:  # lifespan: migrate, NATS
        for result in schema.get_all_operations():
            operation = result.ok()
            key = f"{operation.method.upper()} {operation.path}"
            headers = callers.get(key, {})

            try:
                sent += _fuzz(client, operation, headers, checks)
            except (Exception, BaseExceptionGroup) as exc:  # one line per failing operation
                failures.append(f"{key}: {type(exc).__name__}: {str(exc)[:800]}")
    with capsys.disabled():  # the count belongs in every run's output, not only failures
        print(f"\nfuzz {service}: {sent} requests over {len(callers)} operations, "
              f"{len(failures)} failing")
    assert not failures, "\n\n".join(failures)
    assert sent >= len(callers)


def _fuzz(client: TestClient, operation: Any, headers: dict[str, str], checks: list[Any]) -> int:
    """Send ``EXAMPLES`` generated requests to one operation; returns how many were sent."""
    sent = 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def exercise(case: Any) -> None:
        nonlocal sent
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
        response = client.request(**_httpx_kwargs(kwargs))
        sent += 1
        case.validate_response(response, checks=checks)

    exercise()
    return sent


def _httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """schemathesis speaks `requests`; the test client speaks httpx."""
    out = {k: v for k, v in kwargs.items() if k in {"method", "url", "headers", "params",
                                                    "cookies", "json", "files"} and v}
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out
