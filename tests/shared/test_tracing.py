"""Traces: the outbox row keeps the writer's trace context, and one call's trace spans
intake's request, the relay's publish and dispatch's consumer (issue 16 Deliver 5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from shared import tracing

from ..helpers import eventually, running, token

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use_provider(provider)
    try:
        yield exporter
    finally:
        tracing.use_provider(None)


def test_stamp_outside_a_trace_leaves_the_payload_alone() -> None:
    assert tracing.stamp('{"a":1}') == '{"a":1}'
    assert tracing.unstamp('{"a":1}') == ('{"a":1}', None)


def test_stamped_payload_gives_back_the_event_and_its_traceparent() -> None:
    with tracing.attached(PARENT):
        stamped = tracing.stamp('{"event_id":"e1","x":[1,2]}')
    assert stamped.startswith(tracing.STAMP)
    body, parent = tracing.unstamp(stamped)
    assert body == '{"event_id":"e1","x":[1,2]}'
    assert parent == PARENT
    with tracing.attached(PARENT):
        assert tracing.unstamp(tracing.stamp("{}")) == ("{}", PARENT)


def test_otlp_only_when_configured(monkeypatch) -> None:
    from opentelemetry.trace import NoOpTracerProvider

    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert isinstance(tracing.provider("intake"), NoOpTracerProvider)


@pytest.mark.integration
async def test_one_trace_spans_intake_request_and_dispatch_consumer(ns, spans) -> None:
    clerk = token("clerk", "C01")
    async with AsyncExitStack() as stack:
        intake = await stack.enter_async_context(running(intake_app(ns.settings("intake"))))
        dispatch = await stack.enter_async_context(running(dispatch_app(ns.settings("dispatch"))))
        customer = await intake.post(
            "/customers", headers=clerk,
            json={"name": "Wu Mei", "phone": "13800000001", "address": "88 Huaihai Rd",
                  "district": "Xuhui", "branch": "SC01"})
        assert customer.status_code == 201, customer.text
        product = await intake.post(
            "/products", headers=clerk,
            json={"customer_id": customer.json()["id"], "model": "TV-55Q", "serial": "SN1",
                  "purchased_on": "2020-01-01", "warranty_months": 12})
        assert product.status_code == 201, product.text
        call = await intake.post(
            "/calls", headers=clerk,
            json={"customer_id": customer.json()["id"], "product_id": product.json()["id"],
                  "symptom": "no picture"})
        assert call.status_code == 201, call.text
        voucher_no = call.json()["voucher_no"]

        async def on_board():
            r = await dispatch.get("/board", params={"branch": "SC01"},
                                   headers=token("supervisor", "S01"))
            return [v for v in r.json() if v["voucher_no"] == voucher_no]

        await eventually(on_board)

        def consumer_span_of_the_call():
            done = spans.get_finished_spans()
            request = [s for s in done if s.name == "POST /calls"]
            assert len(request) == 1, [s.name for s in done]
            trace_id = request[0].context.trace_id
            return [s for s in done if s.context.trace_id == trace_id
                    and s.kind.name == "CONSUMER" and "call.registered" in s.name]

        async def found():
            return consumer_span_of_the_call()

        consumer = (await eventually(found))[0]
        # the consumer's handler ran in dispatch under the trace intake's request began
        names = {s.name for s in spans.get_finished_spans()
                 if s.context.trace_id == consumer.context.trace_id}
        assert any("publish" in n for n in names), names
