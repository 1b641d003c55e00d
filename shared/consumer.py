"""Durable, idempotent JetStream consumers with bounded redelivery and a dead-letter path.

Each consumer is a durable JetStream consumer (it survives restarts and resumes where
it stopped). The messages of a fetch are applied together, one transaction for the
batch (see ``consume``); a message is acknowledged only after its effect committed. A failing
handler is redelivered with back-off up to ``max_deliver`` times; after that, or at once
for a message that cannot even be parsed, it goes to the dead letters. An outage of the
service's own database is not the message's fault: it is redelivered with back-off for
as long as the outage lasts and never dead-lettered for it. Dead letters go to the
``{prefix}.deadletter.{service}.{consumer}`` subject, the ``dead_letters`` table behind
``GET /admin/dead-letters``, and an ERROR log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from faststream.middlewares import AckPolicy
from faststream.nats import ConsumerConfig, DeliverPolicy, JStream, NatsMessage, PullSub
from nats.aio.msg import Msg
from opentelemetry.trace import NoOpTracerProvider, SpanKind
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from . import inbox, tracing
from .events.base import Event, subject_for

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger("aftersales.consumer")

E = TypeVar("E", bound=Event)
Handler = Callable[[AsyncSession, E], Awaitable[None]]


def consume(runtime: Runtime, event_cls: type[E], *, consumer: str, handler: Handler[E],
            statements_only: bool = False, inserts_only: bool = False,
            batch_key: Callable[[E], Hashable] | None = None, linger: float = 0.0) -> None:
    """Subscribe ``handler`` to ``event_cls`` as the durable consumer ``consumer``.

    ``statements_only``: the handler runs Core statements built once (``execute`` and
    ``scalar``), no ORM loading; on PostgreSQL its transactions then run on the driver's
    connection (``Database.statements_transaction``, issue 17).

    ``inserts_only`` (implies ``statements_only``): the handler only inserts, with
    statements that return nothing (``ON CONFLICT`` clauses allowed), or asks
    ``shared.atomic.deferred`` first. On PostgreSQL a batch (up to ``ONE_STATEMENT``
    messages, a lone one too) is then one statement, ``Database.atomic``: the inbox claims
    and every insert, atomic by themselves, with no BEGIN and COMMIT, so a call costs
    dispatch one round trip instead of five (issue 17). A claim already there (a
    redelivery) or any other conflict fails that statement whole, and the batch is applied
    again a message at a time as below, where the claims and the conflict clauses decide.
    PostgreSQL lets one statement change a row once: events of one ``batch_key`` (the
    row an upsert of the handler changes) go in statements of their own, in order.

    faststream hands every message of a fetch (up to ``BATCH``) to the handler at once,
    each in its own task; ``_Batches`` gathers those waiting into one transaction, each
    message claimed in the inbox before its handler runs, in stream order, and acked once
    that committed: one commit, and one wait for the database's log flush, for the lot
    instead of one per event (issue 17). ``linger``: seconds a batch waits for more once
    its first message came, for a consumer no one watches live (a customer's billing
    record, a survey card); see ``_Batches``. If any message of a batch fails, the transaction
    is rolled back whole and each is applied again on its own (``_apply_one``), so one bad
    message neither holds up nor takes down the others, and each keeps its own
    redelivery and dead-letter path.
    """
    settings = runtime.settings
    durable = f"{settings.service}-{consumer}".replace(".", "-")
    subject = subject_for(settings.subject_prefix, event_cls.event_type)
    tracer = runtime.tracer_provider.get_tracer("aftersales.consumer")
    transaction = (runtime.db.statements_transaction if statements_only or inserts_only
                   else runtime.db.transaction)
    one_statement = inserts_only and not runtime.db.is_sqlite
    together = runtime.db.atomic if one_statement else transaction

    spans_recorded = not isinstance(runtime.tracer_provider, NoOpTracerProvider)

    async def claim_and_handle(session: AsyncSession, event: E) -> None:
        if await inbox.claim(session, runtime.plumbing.inbox, consumer=durable,
                             event_id=event.event_id, at=runtime.clock.now()):
            await handler(session, event)

    async def apply(session: AsyncSession, raw: Msg, event: E) -> None:
        headers = raw.headers or {}
        if not spans_recorded and "traceparent" not in headers:
            # no span to record and no trace to continue: a tenth of a millisecond a
            # message saved (issue 17)
            await claim_and_handle(session, event)
            return
        # each event under the trace its producer began (its NATS headers); with the
        # no-op provider still current, so log lines and outbox rows carry its trace id
        with tracer.start_as_current_span(
            f"{subject} process", context=tracing.extract(headers),
            kind=SpanKind.CONSUMER,
        ):
            await claim_and_handle(session, event)

    async def together_or_alone(batch: list[tuple[Msg, E]]) -> None:
        try:
            async with together() as session:
                for raw, event in batch:
                    await apply(session, raw, event)
        except Exception:
            pass  # nothing of it committed: each message on its own below
        else:
            for raw, _event in batch:
                await raw.ack()
            return
        for raw, event in batch:
            await _apply_one(runtime, durable, subject, raw, event, apply, transaction)

    async def settle(batch: list[tuple[Msg, E]]) -> None:
        if one_statement:
            for run in _runs(batch, batch_key):
                await together_or_alone(run)
        elif len(batch) > 1:
            await together_or_alone(batch)
        else:
            await _apply_one(runtime, durable, subject, *batch[0], apply, transaction)

    batches: _Batches[E] = _Batches(settle, name=durable, linger=linger,
                                    size=ONE_STATEMENT if one_statement else BATCH)
    runtime.settling.append(batches.settled)

    subscriber = runtime.broker.subscriber(
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
        pull_sub=PullSub(batch_size=BATCH, timeout=5.0),
        decoder=_undecoded,  # pydantic parses each body below, once
    )
    _log_context_built_once(subscriber)

    @subscriber
    async def _on_message(_undecoded_body: object) -> None:
        # the broker injects nothing (shared.runtime): the message is in its context
        message: NatsMessage = runtime.broker.context.get_local("message")
        raw: Msg = message.raw_message
        try:
            event = event_cls.model_validate_json(raw.data)
        except ValidationError as exc:
            await _dead_letter(runtime, durable, subject, None, _deliveries(raw), str(exc),
                               raw.data)
            await raw.ack()
            return
        await batches.apply(raw, event)


def _log_context_built_once(subscriber: Any) -> None:
    """faststream names the subscriber in every message's log context, and rebuilds its
    address from the declaration each time to do it (a character-by-character escape of
    braces in the subject: about a twentieth of a consumer's CPU per message, issue 17).
    The names do not change, so they are built once here; the message id stays per
    message."""
    fixed = subscriber.get_log_context(None)

    def log_context(message: object) -> dict[str, str]:
        return {**fixed, "message_id": getattr(message, "message_id", "")}

    subscriber.get_log_context = log_context


class _Batches(Generic[E]):
    """The messages waiting to be applied, settled together by one task at a time.

    faststream starts the tasks of a fetch's messages one after the other; the first to
    arrive starts the drain, which runs once the others (already scheduled) have joined
    the queue. Each message's task waits until its message is settled (acked, or left for
    redelivery), so faststream fetches no more meanwhile, and what arrives in the meantime
    is the next batch.

    With ``linger`` the drain first waits that long: the stream gathers what comes
    meanwhile, and faststream's next fetch takes it all at once (issue 17). At a steady
    trickle each message otherwise costs a fetch, a pass through faststream, a statement
    and a commit of its own. When the service stops, ``settled`` waits for the drain, so
    what was fetched is acked before the connection closes."""

    def __init__(self, settle: Callable[[list[tuple[Msg, E]]], Awaitable[None]], *,
                 name: str, size: int, linger: float = 0.0) -> None:
        self._settle = settle
        self._name = name
        self._size = size
        self._linger = linger
        self._waiting: list[tuple[Msg, E, asyncio.Future[None]]] = []
        self._drain_task: asyncio.Task[None] | None = None

    async def apply(self, raw: Msg, event: E) -> None:
        settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((raw, event, settled))
        if self._drain_task is None:
            self._drain_task = asyncio.create_task(self._drain(), name=self._name)
        await settled

    async def settled(self) -> None:
        """Wait until every message handed over so far is settled (at shutdown)."""
        while self._drain_task is not None:
            await asyncio.shield(self._drain_task)

    async def _drain(self) -> None:
        try:
            if self._linger:
                await asyncio.sleep(self._linger)
            while self._waiting:
                batch, self._waiting = self._waiting[:self._size], self._waiting[self._size:]
                batch.sort(key=lambda item: item[0].metadata.sequence.stream)  # stream order
                try:
                    await self._settle([(raw, event) for raw, event, _ in batch])
                except Exception:  # e.g. NATS gone while acking: redelivered after ack_wait
                    log.exception("%s could not settle a batch of %d", self._name, len(batch))
                finally:
                    for _, _, settled in batch:
                        if not settled.done():
                            settled.set_result(None)
        finally:
            # no await since the loop found nothing waiting: a message handed over now
            # starts the next drain
            self._drain_task = None


BATCH = 64
# How long a batch of a consumer no one watches live waits for more (``linger``): at 200
# calls a second a tenth of a second gathers a statement's worth, and a billing record or
# a survey card a tenth of a second later is nothing anyone sees (issue 17).
UNWATCHED_LINGER = 0.1
# Messages in one statement (``inserts_only``): each count of them is a statement of its
# own that PostgreSQL plans and the driver prepares once a connection, so few counts.
ONE_STATEMENT = 16


def _runs(batch: list[tuple[Msg, E]], key: Callable[[E], Hashable] | None
          ) -> list[list[tuple[Msg, E]]]:
    """``batch`` cut, in order, so that no two events of one key share a run."""
    if key is None:
        return [batch]
    runs: list[list[tuple[Msg, E]]] = [[]]
    seen: set[Hashable] = set()
    for item in batch:
        k = key(item[1])
        if k in seen:
            runs.append([])
            seen.clear()
        runs[-1].append(item)
        seen.add(k)
    return runs


async def _undecoded(_message: object) -> None:
    return None


def _deliveries(raw: Msg) -> int:
    return raw.metadata.num_delivered or 1


async def _apply_one(
    runtime: Runtime, durable: str, subject: str, raw: Msg, event: E,
    apply: Callable[[AsyncSession, Msg, E], Awaitable[None]],
    transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]],
) -> None:
    """One message in its own transaction; on failure it is redelivered with back-off,
    or dead-lettered after ``max_deliver`` deliveries."""
    deliveries = _deliveries(raw)
    try:
        async with transaction() as session:
            await apply(session, raw, event)
    except Exception as exc:
        if transient(exc):
            log.warning("%s waits for its database (delivery %d): %r",
                        durable, deliveries, exc)
            await raw.nak(delay=min(0.5 * 2 ** min(deliveries - 1, 6), 30.0))
        elif deliveries >= runtime.settings.max_deliver:
            log.exception("giving up on %s after %d deliveries", event.event_id, deliveries)
            await _dead_letter(
                runtime, durable, subject, event.event_id, deliveries, repr(exc), raw.data
            )
            await raw.ack()
        else:
            log.warning("handler %s failed (delivery %d): %r", durable, deliveries, exc)
            await raw.nak(delay=min(0.5 * 2 ** (deliveries - 1), 30.0))
        return
    await raw.ack()


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
