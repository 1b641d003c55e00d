"""The relay's publisher: a batch of outbox rows to JetStream, sent in order, their
acknowledgements awaited together (issue 17).

Awaiting each PubAck before sending the next costs a round trip through a busy event loop
per event: under 200 calls/s one publish took 100 ms, and the relay fell seconds behind.
Here every message of a batch is written to the connection in order (one connection, so
the stream stores them in that order), then the acks are awaited at once, bounded by the
publish timeout. The batch counts as sent up to its first message without an ack; the
rest stay in the outbox, and those the stream stored anyway are dropped as duplicates
when they go again (same ``Nats-Msg-Id``).

Traces: a message whose row carries a ``traceparent`` is published inside a producer
span, child of the writer's span, and the span's context goes in the headers, as
faststream's telemetry middleware does for ``broker.publish``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from . import tracing
from .outbox import Message, NotAllPublished

_PROPAGATOR = TraceContextTextMapPropagator()


class JetStreamPublisher:
    """``publish(batch)`` for :class:`shared.outbox.Outbox`."""

    def __init__(self, *, connection: Callable[[], Any], subject: Callable[[str], str],
                 stream: str, timeout: float, tracer_provider: TracerProvider) -> None:
        self._connection = connection  # the broker's nats client, once connected
        self._subject = subject
        self._stream = stream
        self._timeout = timeout
        self._tracer = tracer_provider.get_tracer("aftersales.outbox")
        self._jetstream: tuple[Any, Any] | None = None

    def _js(self) -> Any:
        client = self._connection()
        if client is None:
            raise ConnectionError("not connected to NATS")
        if self._jetstream is None or self._jetstream[0] is not client:
            self._jetstream = (client, client.jetstream(timeout=self._timeout))
        return self._jetstream[1]

    def _headers(self, message: Message, subject: str) -> dict[str, str]:
        headers = {"Nats-Msg-Id": message.event_id}
        if message.traceparent is not None:
            with tracing.attached(message.traceparent), self._tracer.start_as_current_span(
                f"{subject} publish", kind=trace.SpanKind.PRODUCER,
                attributes={"messaging.system": "nats",
                            "messaging.destination.name": subject,
                            "messaging.message.id": message.event_id},
            ):
                _PROPAGATOR.inject(headers)
        return headers

    async def __call__(self, messages: Sequence[Message]) -> None:
        acks: list[asyncio.Future[Any]] = []
        try:
            js = self._js()
            for message in messages:
                subject = self._subject(message.event_type)
                # No ``wait_stall``: with a timeout nats-py waits for its slot in a task of
                # its own, a trip through the event loop per message. A batch is at most
                # the relay's batch size, far below nats-py's 4,000 slots, and what a
                # failed batch leaves pending is cancelled below.
                acks.append(await js.publish_async(
                    subject, message.payload, stream=self._stream,
                    headers=self._headers(message, subject)))
            if acks:
                await asyncio.wait_for(asyncio.gather(*acks), self._timeout)
        except Exception as exc:
            sent, leading = 0, True
            for ack in acks:
                if not ack.done():  # nobody waits for it any more (frees nats-py's slot)
                    ack.cancel()
                    leading = False
                elif ack.cancelled() or ack.exception() is not None:
                    leading = False
                elif leading:
                    sent += 1
            raise NotAllPublished(sent, exc) from exc
