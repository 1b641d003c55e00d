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
from nats.errors import ConnectionClosedError
from nats.js.errors import ServiceUnavailableError
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

    Each fetch (up to ``BATCH`` messages) is applied as one batch (``_fetched_whole``,
    ``_Batches``): one transaction, each message claimed in the inbox before its handler
    runs, in stream order, and acked once that committed: one commit, and one wait for the
    database's log flush, for the lot instead of one per event (issue 17). ``linger``:
    seconds a batch waits before it is applied, for a consumer no one watches live (a
    customer's billing record, a survey card), so that the next fetch takes what came
    meanwhile. If any message of a batch fails, the transaction
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
        pull_sub=PullSub(batch_size=BATCH, timeout=FETCH_SECONDS),
        decoder=_undecoded,  # pydantic parses each body below, once
    )
    async def parsed(raws: list[Msg]) -> list[tuple[Msg, E]]:
        """The fetch's events; one that cannot even be parsed is dead-lettered at once."""
        batch = []
        for raw in raws:
            try:
                batch.append((raw, event_cls.model_validate_json(raw.data)))
            except ValidationError as exc:
                await _dead_letter(runtime, durable, subject, None, _deliveries(raw),
                                   str(exc), raw.data)
                await raw.ack()
        return batch

    _fetched_whole(subscriber, parsed, batches)

    @subscriber
    async def _on_message(_undecoded_body: object) -> None:
        # Only if faststream hands a message over itself (its own fetch loop, which
        # ``_fetched_whole`` replaces): applied alone, with the same guarantees. The
        # broker injects nothing (shared.runtime): the message is in its context.
        message: NatsMessage = runtime.broker.context.get_local("message")
        await batches.take(await parsed([message.raw_message]))


def _fetched_whole(subscriber: Any, parsed: Callable[[list[Msg]], Awaitable[list[Any]]],
                   batches: _Batches[Any]) -> None:
    """Each fetch of ``subscriber`` applied as one batch.

    faststream's pull loop starts a task per message of a fetch and runs each through its
    handling (log context, middlewares, the handler's call); with one message a fetch, as
    at a steady trickle, that was a fifth to a third of a consumer's CPU (issue 17). This
    loop takes the fetch as it is: faststream still declares the durable consumer, starts and
    stops the subscription, and restarts this loop if it fails; a stop cancels the loop,
    never a batch being applied (``_Batches.settled``). The next fetch waits until the
    batch is acked, as faststream's did."""

    async def consume_pull(cb: object = None) -> None:  # faststream passes its handler
        while subscriber.running:
            try:
                raws = await subscriber.subscription.fetch(batch=BATCH, timeout=FETCH_SECONDS)
            except TimeoutError:
                continue  # nothing came before the pull request expired: ask again
            except (ConnectionClosedError, ServiceUnavailableError):
                # no stream to ask right now (a reconnect, an election): again shortly,
                # not in a tight loop
                await asyncio.sleep(UNAVAILABLE_PAUSE)
                continue
            await batches.take(await parsed(raws))

    # the subscription starts faststream's loop by this name when the broker starts
    subscriber._consume_pull = consume_pull


class _Batches(Generic[E]):
    """Batches applied one at a time, each in a task of its own that a stop does not
    cancel.

    With ``linger`` a batch first waits that long: the stream gathers what comes
    meanwhile, and the next fetch takes it all at once (issue 17). At a steady trickle each
    message otherwise costs a fetch, a statement and a commit of its own. When the service
    stops, ``settled`` waits for the batch in hand, so what was fetched is acked before the
    connection closes."""

    def __init__(self, settle: Callable[[list[tuple[Msg, E]]], Awaitable[None]], *,
                 name: str, size: int, linger: float = 0.0) -> None:
        self._settle = settle
        self._name = name
        self._size = size
        self._linger = linger
        self._settling: asyncio.Task[None] | None = None

    async def take(self, batch: list[tuple[Msg, E]]) -> None:
        """Apply ``batch`` (after the linger), in statements of at most ``size``
        messages, in stream order; returns once it is settled."""
        if not batch:
            return
        self._settling = asyncio.create_task(self._drain(batch), name=self._name)
        await asyncio.shield(self._settling)  # a stop cancels the fetch, not the batch

    async def settled(self) -> None:
        """Wait until the batch in hand is settled (at shutdown)."""
        if self._settling is not None:
            await self._settling

    async def _drain(self, waiting: list[tuple[Msg, E]]) -> None:
        if self._linger:
            await asyncio.sleep(self._linger)
        waiting.sort(key=lambda item: item[0].metadata.sequence.stream)  # stream order
        for start in range(0, len(waiting), self._size):
            batch = waiting[start:start + self._size]
            try:
                await self._settle(batch)
            except Exception:  # e.g. NATS gone while acking: redelivered after ack_wait
                log.exception("%s could not settle a batch of %d", self._name, len(batch))


BATCH = 64
# How long a fetch waits for a first message (the pull request's expiry): an idle
# consumer asks again this often.
FETCH_SECONDS = 5.0
# How long the fetch loop waits before it asks again when JetStream cannot answer.
UNAVAILABLE_PAUSE = 0.2
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
