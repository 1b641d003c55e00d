"""OpenTelemetry traces: HTTP request -> outbox row -> NATS headers -> consumer handler.

One trace follows a change across services: the HTTP middleware (shared.metrics) opens a
server span, the outbox stores the current ``traceparent`` in the row's own column (so a
relay in another replica, or after a restart, still continues the trace, and the payload
is exactly the event), the relay publishes under that context and faststream's
``NatsTelemetryMiddleware`` puts it in the NATS headers, and the consumer's handler runs
inside the span it extracts.

Spans are exported over OTLP/HTTP only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (the
standard OpenTelemetry variables apply); otherwise the no-op provider costs nothing.
Tests install their own provider with :func:`use_provider` (an in-memory exporter).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context, trace
from opentelemetry.trace import NoOpTracerProvider, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
_provider: TracerProvider | None = None


def use_provider(provider: TracerProvider | None) -> None:
    """Install the provider every service in this process traces with (tests)."""
    global _provider
    _provider = provider


def provider(service: str) -> TracerProvider:
    """The tracer provider: the one installed, an OTLP one when configured, else no-op."""
    global _provider
    if _provider is not None:
        return _provider
    if not os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        return NoOpTracerProvider()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = os.environ.get("OTEL_SERVICE_NAME") or f"aftersales-{service}"
    sdk = SdkProvider(resource=Resource.create({"service.name": name}))
    sdk.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    _provider = sdk
    return sdk


def extract(headers: dict[str, str]) -> context.Context:
    """The trace context an incoming request or message carries (empty if none)."""
    return _PROPAGATOR.extract(headers)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the active span, or None outside a sampled span."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def attached(parent: str | None) -> Iterator[None]:
    """Run the block as a child of ``parent`` (a ``traceparent``), or as is if None."""
    if parent is None:
        yield
        return
    token = context.attach(extract({"traceparent": parent}))
    try:
        yield
    finally:
        context.detach(token)


def current_trace_id() -> str | None:
    """The active trace id in hex (for log lines), or None."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else None
