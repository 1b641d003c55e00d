"""Durable, idempotent JetStream consumers with bounded redelivery and a dead-letter path.

Each consumer is a durable JetStream consumer (it survives restarts and resumes where
it stopped). A message is acknowledged only after its effect committed. A failing
handler is redelivered with back-off up to ``max_deliver`` times; after that, or at once
for a message that cannot even be parsed, it goes to the dead letters. An outage of the
service's own database is not the message's fault: it is redelivered with back-off for
as long as the outage lasts and never dead-lettered for it. Dead letters go to the
``{prefix}.deadletter.{service}.{consumer}`` subject, the ``dead_letters`` table behind
``GET /admin/dead-letters``, and an ERROR log line.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsMessage, PullSub
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from . import inbox
from .events.base import Event, subject_for

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("aftersales.consumer")

E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, E], Awaitable[None]]


def consume(runtime: Runtime, event_cls: type[E], *, consumer: str, handler: Handler[E]) -> None:
    """Subscribe ``handler`` to ``event_cls`` as the durable consumer ``consumer``."""
    settings = runtime.settings
    durable = f"{settings.service}-{consumer}".replace(".", "-")
    subject = subject_for(settings.subject_prefix, event_cls.event_type)
    max_deliver = settings.max_deliver

    @runtime.broker.subscriber(
        subject,
        stream=JStream(settings.stream_name, declare=False),
        durable=durable,
        config=ConsumerConfig(
            durable_name=durable,
            max_deliver=-1,  # the service decides when to give up: see transient()
            ack_wait=30,
            max_ack_pending=1000,
            deliver_policy=DeliverPolicy.ALL,
        ),
        ack_policy=AckPolicy.MANUAL,
        pull_sub=PullSub(batch_size=64, timeout=5.0),
    )
    async def _on_message(_decoded: object) -> None:
        # the broker injects nothing (shared.runtime): the message is in its context
        message: NatsMessage = runtime.broker.context.get_local("message")
        body: bytes = message.body
        deliveries = message.raw_message.metadata.num_delivered or 1
        try:
            event = event_cls.model_validate_json(body)
        except ValidationError as exc:
            await _dead_letter(runtime, durable, subject, None, deliveries, str(exc), body)
            await message.ack()
            return
        try:
            async with runtime.db.transaction() as session:
                first_time = await inbox.claim(
                    session, runtime.plumbing.inbox,
                    consumer=durable, event_id=event.event_id, at=runtime.clock.now(),
                )
                if first_time:
                    await handler(session, event)
        except Exception as exc:
            if transient(exc):
                log.warning("%s waits for its database (delivery %d): %r",
                            durable, deliveries, exc)
                await message.nack(delay=min(0.5 * 2 ** min(deliveries - 1, 6), 30.0))
            elif deliveries >= max_deliver:
                log.exception("giving up on %s after %d deliveries", event.event_id, deliveries)
                await _dead_letter(
                    runtime, durable, subject, event.event_id, deliveries, repr(exc), body
                )
                await message.ack()
            else:
                log.warning("handler %s failed (delivery %d): %r", durable, deliveries, exc)
                await message.nack(delay=min(0.5 * 2 ** (deliveries - 1), 30.0))
            return
        await message.ack()


def transient(exc: BaseException) -> bool:
    """True for a failure of the infrastructure (database unreachable, connection lost),
    not of the message: such a message is retried, never dead-lettered."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # PostgreSQL refusing for want of resources ("too many clients already", 53xxx), an
    # operator's shutdown or a server starting up (57P0x), or a connection failure (08xxx):
    # the server's state, not the message's fault
    state = str(getattr(getattr(exc, "orig", None), "sqlstate", None) or "")
    if isinstance(exc, DBAPIError) and state.startswith(("53", "57P0", "08")):
        return True
    return isinstance(exc, OperationalError | InterfaceError | OSError | TimeoutError)


async def _dead_letter(
    runtime: Runtime, consumer: str, subject: str, event_id: str | None,
    deliveries: int, error: str, body: bytes,
) -> None:
    log.error(
        "dead letter: consumer=%s subject=%s event_id=%s deliveries=%d error=%s",
        consumer, subject, event_id, deliveries, error,
    )
    async with runtime.db.transaction() as session:
        await session.execute(
            insert(runtime.plumbing.dead_letters).values(
                at=runtime.clock.now(), consumer=consumer, subject=subject, event_id=event_id,
                deliveries=deliveries, error=error[:4000],
                payload=body.decode("utf-8", errors="replace"),
            )
        )
    await runtime.publish_raw(
        f"{runtime.settings.subject_prefix}.deadletter.{runtime.settings.service}.{consumer}",
        body, msg_id=None,
    )
