"""One JSON log format for every line, with correlation id and an access line per request;
an idle pull consumer's fetch timeout is not an error (issue 16 Deliver 5)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from shared import logs, tracing
from shared.metrics import Metrics, ObserveRequests
from tools.launcher import ServiceProcess, free_port


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Every log line of the process, as ``configure`` would write it."""
    out = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    handler = logs.handler("intake")
    handler.setStream(out)
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


def _entries(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


async def test_every_request_has_a_json_access_line_with_its_correlation_id(lines) -> None:
    app = FastAPI()

    @app.get("/things/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        logging.getLogger("aftersales.test").info("looking at %s", thing)
        return {"thing": thing}

    observed = ObserveRequests(app, metrics=Metrics("intake"),
                               tracer_provider=tracing.provider("intake"))
    transport = httpx.ASGITransport(app=observed)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/things/a1", headers={"X-Request-ID": "req-42"})
    assert r.headers["x-request-id"] == "req-42"
    entries = _entries(lines)
    inner = next(e for e in entries if e["logger"] == "aftersales.test")
    assert inner["correlation_id"] == "req-42"
    access = next(e for e in entries if e["logger"] == "aftersales.access")
    assert access["correlation_id"] == "req-42"
    assert access["detail"] == {"method": "GET", "route": "/things/{thing}", "status": 200,
                                "duration_ms": access["detail"]["duration_ms"]}


async def test_untraced_requests_skip_the_span_and_a_callers_trace_is_kept(lines) -> None:
    """With no traces exported, a request that brings no ``traceparent`` runs without a
    span (issue 17); one that brings it still logs under the caller's trace id."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str | None]:
        logging.getLogger("aftersales.test").info("pinged")
        return {"trace_id": tracing.current_trace_id()}

    observed = ObserveRequests(app, metrics=Metrics("intake"),
                               tracer_provider=tracing.provider("intake"))
    assert not observed.spans_recorded  # no OTLP endpoint configured here
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    transport = httpx.ASGITransport(app=observed)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        alone = await client.get("/ping")
        traced = await client.get("/ping", headers={"traceparent": parent})
    assert alone.json() == {"trace_id": None}
    assert traced.json() == {"trace_id": "0af7651916cd43dd8448eb211c80319c"}
    pinged = [e for e in _entries(lines) if e["logger"] == "aftersales.test"]
    assert [e.get("trace_id") for e in pinged] == [None, "0af7651916cd43dd8448eb211c80319c"]
    assert tracing.current_trace_id() is None  # nothing left attached after the request


def test_idle_fetch_timeout_is_not_logged_as_an_error(lines) -> None:
    broker = logging.getLogger(logs.BROKER_LOGGER)
    try:
        raise TimeoutError
    except TimeoutError as exc:
        # what faststream's task supervisor does when a pull fetch times out on no messages
        broker.log(logging.ERROR, "_consume_pull raised an exception, retrying...",
                   exc_info=exc)
    broker.error("a real failure")
    try:
        raise TimeoutError
    except TimeoutError:  # our own code's timeouts stay errors (e.g. the relay giving up)
        logging.getLogger("aftersales.outbox").exception("publish kept failing")
    entries = _entries(lines)
    assert [e["message"] for e in entries if e["level"] == "ERROR"] == [
        "a real failure", "publish kept failing"]
    assert [e["logger"] for e in entries if "TimeoutError" in e.get("exception", "")] == [
        "aftersales.outbox"]


def test_faststream_loggers_lose_their_own_handlers() -> None:
    stray = logging.getLogger("faststream.access.nats")
    stray.addHandler(logging.StreamHandler(io.StringIO()))
    stray.propagate = False
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("intake")
        assert stray.handlers == [] and stray.propagate
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])


@pytest.mark.e2e
def test_a_service_process_writes_only_json_and_serves_metrics(ns, tmp_path: Path) -> None:
    proc = ServiceProcess("dispatch", env=ns.env(), port=free_port(), log_dir=tmp_path)
    proc.start()
    try:
        proc.wait_healthy(90)
        assert httpx.get(f"{proc.url}/readyz", timeout=5).status_code == 200
        httpx.get(f"{proc.url}/board", params={"branch": "SC01"}, timeout=5,
                  headers={"X-Request-ID": "scrape-test"})
        scrape = httpx.get(f"{proc.url}/metrics", timeout=5)
    finally:
        proc.stop()
    names = {s.name for f in text_string_to_metric_families(scrape.text) for s in f.samples}
    assert {"aftersales_outbox_backlog", "aftersales_consumer_pending",
            "aftersales_watcher_last_lag_seconds"} <= names, names
    text = (tmp_path / "dispatch.log").read_text()
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]  # all JSON
    assert any(e["logger"] == "aftersales.access" and e.get("correlation_id") == "scrape-test"
               for e in entries)
    assert not any(e["level"] == "ERROR" for e in entries), [
        e for e in entries if e["level"] == "ERROR"]
