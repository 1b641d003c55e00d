"""The system's JetStream stream, created or updated at start-up, across an election.

A service starting while the NATS cluster elects a meta or stream leader (a node lost, or
the cluster still forming after a rollout) gets no answer at all ("no responders"), a
timeout, or a 503 "JetStream system temporarily unavailable" for a few seconds: measured
on a 3-node cluster on loopback, about 6.6 s after the leader is killed. Failing start-up
there would turn one lost node into restarting pods, so :func:`ensure_stream` retries such
errors with a capped back-off for a bounded time (about 30 s, see ``RETRY_DELAYS``) and
then raises the last one, so a cluster that stays down still fails the start-up loudly.
Any other refusal (a bad configuration) is raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import nats.errors
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError

from .settings import Settings

log = logging.getLogger("aftersales.streams")

# Seconds between attempts: 0.25, 0.5, 1, then every 2 s; 16 retries, about 28 s in all.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0) + (2.0,) * 13

# JetStream error codes that mean "the cluster is not ready yet", not "you asked wrong":
# 10008 JetStream system temporarily unavailable (an election), 10005 no suitable peers
# for placement (the cluster forming, fewer live nodes than replicas for now).
TRANSIENT_ERR_CODES = frozenset({10005, 10008})

Sleep = Callable[[float], Awaitable[Any]]


class StreamAdmin(Protocol):
    """What stream set-up needs of a JetStream context (nats-py's ``JetStreamContext``)."""

    async def stream_info(self, name: str) -> Any: ...

    async def add_stream(self, config: StreamConfig) -> Any: ...

    async def update_stream(self, config: StreamConfig) -> Any: ...


def stream_config(settings: Settings) -> StreamConfig:
    """The system's one stream: every subject under the prefix, file storage, the long
    duplicate window the relay's retries rely on, replicated as configured."""
    return StreamConfig(
        name=settings.stream_name,
        subjects=[f"{settings.subject_prefix}.>"],
        storage=StorageType.FILE,
        duplicate_window=settings.duplicate_window_seconds,
        num_replicas=settings.stream_replicas,
    )


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is what JetStream answers during a leader election."""
    if isinstance(exc, nats.errors.NoRespondersError | nats.errors.TimeoutError
                  | TimeoutError):
        return True
    if isinstance(exc, APIError) and not isinstance(exc, NotFoundError):
        return exc.code == 503 or exc.err_code in TRANSIENT_ERR_CODES
    return False


async def apply_stream(js: StreamAdmin, config: StreamConfig) -> None:
    """Create the stream, or update it to ``config`` when it exists (one attempt)."""
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except Exception as exc:
            if is_transient(exc):
                raise
            # another service created it in the meantime: update it below
            log.info("stream %s created concurrently", config.name)
    await js.update_stream(config)


async def ensure_stream_with(
    js: StreamAdmin, config: StreamConfig, *, delays: Sequence[float] = RETRY_DELAYS,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """:func:`apply_stream`, retried after each of ``delays`` while the error is transient;
    returns how many attempts it took (raises the last error when they run out)."""
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            await apply_stream(js, config)
            return attempt
        except Exception as exc:
            if delay is None or not is_transient(exc):
                raise
            log.warning("stream %s: JetStream not ready (attempt %d), retrying in %.2fs: %r",
                        config.name, attempt, delay, exc)
            await sleep(delay)
    raise AssertionError("unreachable")  # the last delay is None: the loop returns or raises


async def ensure_stream(broker: Any, settings: Settings) -> None:
    """Create or update the system's stream on ``broker``'s connection, riding out an
    election (``shared.runtime`` calls it at start-up)."""
    js: StreamAdmin = broker.config.connection_state.stream
    await ensure_stream_with(js, stream_config(settings))
