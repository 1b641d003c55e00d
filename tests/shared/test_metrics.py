"""/metrics, /livez and /readyz of a running service (issue 16 Deliver 1 and 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.dispatch.app import create_app as dispatch_app
from shared.metrics import Metrics

from ..helpers import running, token


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def test_watcher_lag_is_fired_at_minus_due_at() -> None:
    metrics = Metrics("dispatch")
    due = datetime(2026, 3, 13, 7, 0, tzinfo=UTC)
    metrics.fired("reminders", due, due + timedelta(seconds=2.5))
    metrics.fired("reminders", due + timedelta(hours=1), due)  # woken early: not a firing
    metrics.fired("reminders", None, due)
    assert metrics.registry.get_sample_value(
        "aftersales_watcher_lag_seconds_count", {"watcher": "reminders"}) == 1
    assert metrics.registry.get_sample_value(
        "aftersales_watcher_last_lag_seconds", {"watcher": "reminders"}) == 2.5


@pytest.mark.integration
async def test_metrics_scrape_finds_outbox_consumer_and_watcher_series(ns) -> None:
    async with running(dispatch_app(ns.settings("dispatch"))) as dispatch:
        assert (await dispatch.get("/livez")).json() == {"status": "ok"}
        ready = await dispatch.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "migrations": True, "database": True,
                                "nats": True}
        # a routed request with a path parameter: labelled by its template
        await dispatch.get("/vouchers/NOPE-1", headers=token("supervisor", "S01"))

        scrape = await dispatch.get("/metrics")  # unauthenticated, like /healthz
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        series = _samples(scrape.text)

    assert series["aftersales_outbox_backlog"] == [({}, 0.0)]
    assert "aftersales_outbox_oldest_age_seconds" in series
    assert "aftersales_dead_letters" in series
    consumers = {labels["consumer"] for labels, _ in series["aftersales_consumer_pending"]}
    assert consumers and all(c.startswith("dispatch-") for c in consumers), consumers
    assert "aftersales_consumer_redelivered" in series
    watchers = {labels["watcher"] for labels, _ in series["aftersales_watcher_last_lag_seconds"]}
    assert watchers, series.keys()
    assert "aftersales_watcher_lag_seconds_count" in series
    routes = {(labels["route"], labels["status"])
              for labels, _ in series["aftersales_http_request_duration_seconds_count"]}
    assert ("/readyz", "200") in routes
    assert any(route.startswith("/vouchers/{") for route, _ in routes), routes
    assert not any("NOPE-1" in route for route, _ in routes)


@pytest.mark.integration
async def test_readyz_is_unavailable_before_start_while_livez_serves(ns) -> None:
    import httpx

    app = dispatch_app(ns.settings("dispatch"))  # lifespan not started: nothing connected
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/livez")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["migrations"] is False and ready.json()["nats"] is False


def test_grafana_dashboard_charts_only_series_the_services_export() -> None:
    import json
    import re
    from pathlib import Path

    dashboard = json.loads(
        (Path(__file__).parents[2] / "deploy" / "grafana" / "aftersales.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"aftersales_[a-z_]+", e)}
    families = {f.name for f in Metrics("intake").registry.collect()}
    exported = families | {f"{n}{s}" for n in families for s in ("_bucket", "_count", "_sum")}
    assert used <= exported, used - exported
    charted = {re.sub(r"_(bucket|count|sum)$", "", m) for m in used}
    for needed in ("aftersales_outbox_backlog", "aftersales_consumer_pending",
                   "aftersales_watcher_lag_seconds", "aftersales_http_request_duration_seconds",
                   "aftersales_dead_letters"):
        assert needed in charted
