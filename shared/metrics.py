"""Prometheus metrics of one service, and the HTTP middleware that feeds them.

Each runtime keeps its own registry (several services run in one test process). Request
latency is observed per request by :class:`ObserveRequests`; everything read from the
database or JetStream (outbox backlog, dead letters, consumer pending and redeliveries,
business gauges) is refreshed when ``/metrics`` is scraped, at most every
``CACHE_SECONDS``, so a scrape costs a few cheap queries and one consumer listing.
Watcher lag (fired-at minus due-at) is observed when a watcher fires.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import tracing
from .logs import correlation_id

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("aftersales.metrics")
access = logging.getLogger("aftersales.access")

CACHE_SECONDS = 5.0

BusinessGauge = Callable[[AsyncSession], Awaitable[float]]


class Metrics:
    """The series of one service."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Histogram(
            "aftersales_http_request_duration_seconds", "HTTP request latency",
            ["method", "route", "status"], registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.outbox_backlog = Gauge(
            "aftersales_outbox_backlog", "Events written but not yet published", registry=r)
        self.outbox_oldest = Gauge(
            "aftersales_outbox_oldest_age_seconds",
            "Age of the oldest unpublished event (0 when none)", registry=r)
        self.dead_letters = Gauge(
            "aftersales_dead_letters", "Messages this service gave up on", registry=r)
        self.consumer_pending = Gauge(
            "aftersales_consumer_pending",
            "Messages in the stream not yet delivered to the consumer", ["consumer"],
            registry=r)
        self.consumer_ack_pending = Gauge(
            "aftersales_consumer_ack_pending",
            "Messages delivered but not yet acknowledged", ["consumer"], registry=r)
        self.consumer_redelivered = Gauge(
            "aftersales_consumer_redelivered",
            "Messages delivered more than once and not yet acknowledged", ["consumer"],
            registry=r)
        self.watcher_lag = Histogram(
            "aftersales_watcher_lag_seconds",
            "Deadline watcher lag: fired-at minus due-at", ["watcher"], registry=r,
            buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 30, 60, 300),
        )
        self.watcher_last_lag = Gauge(
            "aftersales_watcher_last_lag_seconds", "Lag of the watcher's latest firing",
            ["watcher"], registry=r)
        # letters to customers (shared.letters): by status on scrape, attempts as they go
        self.letters = Gauge(
            "aftersales_letters", "Letters to customers by status", ["status"], registry=r)
        self.letter_attempts = Counter(
            "aftersales_letter_attempts", "Letter send attempts by outcome", ["outcome"],
            registry=r)
        self.business = Gauge(
            "aftersales_business", "Business gauges a service registers", ["name"],
            registry=r)
        self.scrape_errors = Counter(
            "aftersales_metrics_refresh_errors", "Refreshes that failed", ["part"],
            registry=r)
        self._business: dict[str, BusinessGauge] = {}
        self._refreshed = 0.0

    def business_gauge(self, name: str, read: BusinessGauge) -> None:
        """Register ``aftersales_business{name=...}``: ``read`` is one cheap count, run in
        the scrape's read-only session (dispatch and complaints register theirs in
        ``handlers.py``: open vouchers, overdue arrivals, cases past a step deadline)."""
        self._business[name] = read

    def letter_attempt(self, outcome: str) -> None:
        """One letter send attempt ended ``outcome`` (sent, pending = retry, failed)."""
        self.letter_attempts.labels(outcome).inc()

    def watcher(self, name: str) -> None:
        """Give a watcher its series before its first firing (so a scrape finds them)."""
        self.watcher_lag.labels(name)
        self.watcher_last_lag.labels(name).set(0)

    def fired(self, name: str, due: datetime | None, now: datetime) -> None:
        """A watcher fired at ``now`` for what fell due at ``due``."""
        if due is None or due > now:
            return
        lag = (now - due).total_seconds()
        self.watcher_lag.labels(name).observe(lag)
        self.watcher_last_lag.labels(name).set(lag)

    async def refresh(self, runtime: Runtime, *, force: bool = False) -> None:
        """Read the gauges that live in the database and JetStream (cached)."""
        if not force and time.monotonic() - self._refreshed < CACHE_SECONDS:
            return
        self._refreshed = time.monotonic()
        await self._guarded("database", self._refresh_database(runtime))
        await self._guarded("jetstream", self._refresh_consumers(runtime))

    async def _guarded(self, part: str, work: Awaitable[None]) -> None:
        try:
            await work
        except Exception as exc:  # a scrape must answer even when a dependency is down
            self.scrape_errors.labels(part).inc()
            log.warning("metrics refresh of %s failed: %r", part, exc)

    async def _refresh_database(self, runtime: Runtime) -> None:
        outbox = runtime.plumbing.outbox
        dead = runtime.plumbing.dead_letters
        async with runtime.db.reading() as session:
            backlog, oldest = (await session.execute(
                select(func.count(), func.min(outbox.c.created_at))
                .where(outbox.c.published_at.is_(None))
            )).one()
            dead_count = await session.scalar(select(func.count()).select_from(dead))
            letters = await runtime.letters.counts(session)
            business = {name: await read(session) for name, read in self._business.items()}
        self.outbox_backlog.set(backlog or 0)
        age = (runtime.clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        self.outbox_oldest.set(max(age, 0.0))
        self.dead_letters.set(dead_count or 0)
        for status, count in letters.items():
            self.letters.labels(status).set(count)
        for name, value in business.items():
            self.business.labels(name).set(value)

    async def _refresh_consumers(self, runtime: Runtime) -> None:
        connection = runtime.broker._connection
        if connection is None or not connection.is_connected:
            return
        js = connection.jetstream()
        mine = f"{runtime.settings.service}-"
        for info in await js.consumers_info(runtime.settings.stream_name):
            name = info.name or ""
            if not name.startswith(mine):
                continue
            self.consumer_pending.labels(name).set(info.num_pending or 0)
            self.consumer_ack_pending.labels(name).set(info.num_ack_pending or 0)
            self.consumer_redelivered.labels(name).set(info.num_redelivered or 0)


def _route_template(scope: dict[str, Any]) -> str:
    """The matched route's path template, never the raw path (bounded label values)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class ObserveRequests:
    """ASGI middleware: correlation id, a server span, latency by route, an access line."""

    def __init__(self, app: Any, *, metrics: Metrics, tracer_provider: Any) -> None:
        self.app = app
        self.metrics = metrics
        self.tracer = tracer_provider.get_tracer("aftersales.http")
        self.spans_recorded = not isinstance(tracer_provider, trace.NoOpTracerProvider)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        cid = headers.get("x-request-id") or headers.get("x-correlation-id")
        cid = cid[:64] if cid else uuid.uuid4().hex
        cid_token = correlation_id.set(cid)
        status = 500
        method = scope.get("method", "GET")

        async def send_wrapped(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", cid.encode())]
            await send(message)

        started = time.perf_counter()
        try:
            if self.spans_recorded or "traceparent" in headers:
                await self._traced(scope, receive, send_wrapped, headers, method,
                                   lambda: status)
            else:
                # no span to record and no trace to continue (the log lines would carry
                # no trace id either): the propagator, the context and the span skipped
                # on every such request (issue 17)
                await self.app(scope, receive, send_wrapped)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            self.metrics.requests.labels(method, route, str(status)).observe(elapsed)
            if route not in QUIET_ROUTES:
                access.info(
                    "%s %s %d %.1fms", method, scope.get("path", ""), status, elapsed * 1000,
                    extra={"detail": {"method": method, "route": route, "status": status,
                                      "duration_ms": round(elapsed * 1000, 1)}},
                )
            correlation_id.reset(cid_token)

    async def _traced(self, scope: dict[str, Any], receive: Any, send: Any,
                      headers: dict[str, str], method: str, status: Callable[[], int]
                      ) -> None:
        """The request under a server span, in the trace its caller began (if any)."""
        ctx_token = otel_context.attach(tracing.extract(headers))
        try:
            with self.tracer.start_as_current_span(
                f"{method} {scope.get('path', '')}", kind=trace.SpanKind.SERVER,
                attributes={"http.request.method": method},
            ) as span:
                try:
                    await self.app(scope, receive, send)
                finally:
                    route = _route_template(scope)
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                    span.set_attribute("http.response.status_code", status())
        finally:
            otel_context.detach(ctx_token)


# Probes and scrapes every few seconds would drown the access log; their latency is
# still measured.
QUIET_ROUTES = frozenset({"/livez", "/readyz", "/healthz", "/metrics"})
