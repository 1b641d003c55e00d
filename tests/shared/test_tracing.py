"""Traces: the outbox row keeps the writer's trace context (its ``traceparent`` column),
and one call's trace spans intake's request, the relay's publish and dispatch's consumer
(issue 16 Deliver 5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import MetaData, select

from services.dispatch.app import create_app as dispatch_app
from services.intake.app import create_app as intake_app
from shared import tracing
from shared.clock import FixedClock
from shared.events.base import Event
from shared.outbox import Outbox
from shared.plumbing import Plumbing
from shared.testing import memory_database, one_by_one

from ..helpers import eventually, running, token

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
CLOCK = FixedClock(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))


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


class Ping(Event):
    event_type = "test.ping.sent.v1"
    n: int


async def _relay_one(parent: str | None) -> tuple[dict[str, object], str, str | None]:
    """Write one event (under ``parent`` if given) and relay it: the stored row, the
    payload published and the traceparent active while it was published."""
    metadata = MetaData()
    plumbing = Plumbing(metadata)
    published: list[tuple[bytes, str | None]] = []

    async def publish(_event_type: str, payload: bytes, _msg_id: str) -> None:
        published.append((payload, tracing.current_traceparent()))

    async with memory_database(metadata) as db:
        outbox = Outbox(db=db, table=plumbing.outbox, clock=CLOCK, publish=one_by_one(publish))
        event = Ping(n=1)
        async with db.transaction() as session:
            with tracing.attached(parent):
                await outbox.add(session, event)
        async with db.reading() as session:
            row = dict((await session.execute(select(plumbing.outbox))).one()._mapping)
        assert tracing.current_traceparent() is None  # nothing leaks out of the block
        assert await outbox.flush() == 1
    assert row["payload"] == event.model_dump_json()  # the payload is exactly the event
    (payload, active), = published
    assert payload == event.model_dump_json().encode()
    return row, payload.decode(), active


async def test_outbox_keeps_the_traceparent_in_its_own_column_and_publishes_under_it(
        spans) -> None:
    row, payload, active = await _relay_one(PARENT)
    assert row["traceparent"] == PARENT
    assert "traceparent" not in payload
    assert active == PARENT


async def test_outbox_row_outside_a_trace_has_no_traceparent(spans) -> None:
    row, _payload, active = await _relay_one(None)
    assert row["traceparent"] is None
    assert active is None


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
