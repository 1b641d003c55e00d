"""Stream set-up rides out a JetStream leader election (issue 16, Deliver 3): the errors
an election gives are retried with a bounded back-off, anything else fails at once. On a
fake JetStream context with a recording sleep: no servers, no waiting."""

from __future__ import annotations

from typing import Any

import nats.errors
import pytest
from nats.js.api import StreamConfig
from nats.js.errors import APIError, BadRequestError, NotFoundError, ServiceUnavailableError

from shared.settings import Settings
from shared.streams import RETRY_DELAYS, ensure_stream_with, is_transient, stream_config

CONFIG = StreamConfig(name="AFTERSALES_T", subjects=["t.>"], num_replicas=3)


class FakeJetStream:
    """A stream store that answers with the queued failures first, then for real."""

    def __init__(self, failures: list[BaseException], *, exists: bool = False) -> None:
        self.failures = failures
        self.streams: dict[str, StreamConfig] = {CONFIG.name: CONFIG} if exists else {}
        self.calls: list[str] = []

    def _answer(self, call: str) -> None:
        self.calls.append(call)
        if self.failures:
            raise self.failures.pop(0)

    async def stream_info(self, name: str) -> Any:
        self._answer("info")
        if name not in self.streams:
            raise NotFoundError(code=404, err_code=10059, description="stream not found")
        return self.streams[name]

    async def add_stream(self, config: StreamConfig) -> Any:
        self._answer("add")
        self.streams[config.name or ""] = config

    async def update_stream(self, config: StreamConfig) -> Any:
        self._answer("update")
        self.streams[config.name or ""] = config


class Sleeps:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def unavailable() -> APIError:
    return ServiceUnavailableError(code=503, err_code=10008,
                                   description="JetStream system temporarily unavailable")


async def test_stream_is_created_after_an_election_answered_nothing_then_503() -> None:
    js = FakeJetStream([nats.errors.NoRespondersError(), nats.errors.TimeoutError(),
                        unavailable()])
    sleeps = Sleeps()
    attempts = await ensure_stream_with(js, CONFIG, sleep=sleeps)
    assert attempts == 4
    assert sleeps.slept == list(RETRY_DELAYS[:3])  # 0.25, 0.5, 1: growing back-off
    assert js.streams == {CONFIG.name: CONFIG}
    assert js.calls[-2:] == ["info", "add"]


async def test_an_election_during_create_is_retried_not_taken_for_a_concurrent_create() -> None:
    # stream_info says "not found", then add_stream gets no answer: that is an election,
    # not another service having created the stream, so the next attempt starts over.
    js = FakeJetStream([])
    sleeps = Sleeps()
    original_add = js.add_stream
    failures: list[BaseException] = [TimeoutError()]

    async def add_stream(config: StreamConfig) -> Any:
        if failures:
            js.calls.append("add")
            raise failures.pop(0)
        return await original_add(config)

    js.add_stream = add_stream  # type: ignore[method-assign]
    assert await ensure_stream_with(js, CONFIG, sleep=sleeps) == 2
    assert js.calls == ["info", "add", "info", "add"]
    assert sleeps.slept == [RETRY_DELAYS[0]]


async def test_an_existing_stream_is_updated() -> None:
    js = FakeJetStream([], exists=True)
    assert await ensure_stream_with(js, CONFIG, sleep=Sleeps()) == 1
    assert js.calls == ["info", "update"]


async def test_retries_are_bounded_and_the_last_error_is_raised() -> None:
    js = FakeJetStream([nats.errors.NoRespondersError() for _ in range(100)])
    sleeps = Sleeps()
    with pytest.raises(nats.errors.NoRespondersError):
        await ensure_stream_with(js, CONFIG, sleep=sleeps)
    assert sleeps.slept == list(RETRY_DELAYS)
    assert len(js.calls) == len(RETRY_DELAYS) + 1
    assert 20 <= sum(RETRY_DELAYS) <= 40  # longer than the ~6.6 s election measured
    assert max(RETRY_DELAYS) == 2.0


async def test_a_bad_configuration_fails_at_once() -> None:
    js = FakeJetStream([BadRequestError(code=400, err_code=10052,
                                        description="replicas > 1 not supported")])
    sleeps = Sleeps()
    with pytest.raises(BadRequestError):
        await ensure_stream_with(js, CONFIG, sleep=sleeps)
    assert sleeps.slept == []


@pytest.mark.parametrize(("error", "transient"), [
    (nats.errors.NoRespondersError(), True),
    (nats.errors.TimeoutError(), True),
    (TimeoutError(), True),
    (ServiceUnavailableError(code=503), True),
    (APIError(code=500, err_code=10008), True),
    (APIError(code=400, err_code=10005, description="no suitable peers for placement"), True),
    (BadRequestError(code=400, err_code=10052), False),
    (NotFoundError(code=404, err_code=10059), False),
    (ValueError("bad"), False),
])
def test_which_errors_mean_an_election(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient


def test_the_stream_config_is_the_settings() -> None:
    settings = Settings(service="intake", stream_replicas=3)
    config = stream_config(settings)
    assert config.name == settings.stream_name
    assert config.subjects == [f"{settings.subject_prefix}.>"]
    assert config.num_replicas == 3
    assert config.duplicate_window == settings.duplicate_window_seconds
