"""How a batch is cut into statements when its handler upserts a row per key (issue 17):
PostgreSQL lets one statement change a row once; and when a batch is settled."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace

from shared.consumer import _Batches, _runs


def _batch(*keys: str) -> list[tuple[str, str]]:
    return [(f"msg-{i}", key) for i, key in enumerate(keys)]


def test_events_of_one_key_never_share_a_run_and_keep_their_order():
    runs = _runs(_batch("c1", "c2", "c1", "c3", "c3", "c4"), key=lambda k: k)
    assert [[key for _msg, key in run] for run in runs] == [
        ["c1", "c2"], ["c1", "c3"], ["c3", "c4"]]
    assert [msg for run in runs for msg, _key in run] == [f"msg-{i}" for i in range(6)]


def test_without_a_key_the_batch_is_one_run():
    batch = _batch("c1", "c1", "c1")
    assert _runs(batch, key=None) == [batch]


def _message(seq: int) -> SimpleNamespace:
    return SimpleNamespace(metadata=SimpleNamespace(sequence=SimpleNamespace(stream=seq)))


def _sleeps_of(monkeypatch, mine: Callable[[asyncio.Task], bool]) -> list[float]:
    """The seconds the code under test sleeps in the tasks ``mine`` says are its own,
    recorded and not waited; any other task of the event loop (a service an earlier test
    started, winding down) sleeps as usual."""
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float, *args, **kwargs):
        task = asyncio.current_task()
        if task is not None and mine(task):
            slept.append(seconds)
            return await real_sleep(0)
        return await real_sleep(seconds, *args, **kwargs)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return slept


async def test_a_fetch_is_settled_in_stream_order_in_statements_of_its_size() -> None:
    settled: list[list[int]] = []

    async def settle(batch) -> None:
        settled.append([raw.metadata.sequence.stream for raw, _ in batch])

    batches = _Batches(settle, name="test", size=2)
    await batches.take([(_message(n), None) for n in (3, 1, 4, 2, 5)])
    assert settled == [[1, 2], [3, 4], [5]]


async def test_a_batch_lingers_before_it_is_applied(monkeypatch) -> None:
    """Issue 17: a consumer no one watches live waits ``linger`` before it applies what it
    fetched, so the next fetch takes what came meanwhile; one with no linger (dispatch's
    board) applies at once."""
    slept = _sleeps_of(monkeypatch, lambda task: task.get_name() in {"watched", "unwatched"})

    async def settle(batch) -> None:
        pass

    await _Batches(settle, name="watched", size=16).take([(_message(1), None)])
    assert slept == []
    await _Batches(settle, name="unwatched", size=16, linger=0.1).take([(_message(1), None)])
    assert slept == [0.1]


async def test_a_stop_cancels_the_fetch_loop_not_the_batch_in_hand() -> None:
    """The service's stop cancels the task that fetches; the batch it was applying goes
    on, and ``settled`` waits for it, so what was fetched is acked before the connection
    closes."""
    release, applied = asyncio.Event(), []

    async def settle(batch) -> None:
        await release.wait()
        applied.extend(raw.metadata.sequence.stream for raw, _ in batch)

    batches = _Batches(settle, name="test", size=16)
    fetch_loop = asyncio.create_task(batches.take([(_message(1), None), (_message(2), None)]))
    for _ in range(3):
        await asyncio.sleep(0)  # the batch is being applied
    fetch_loop.cancel()
    stop = asyncio.create_task(batches.settled())
    await asyncio.sleep(0)
    assert not stop.done() and applied == []
    release.set()
    await stop
    assert applied == [1, 2]
    assert fetch_loop.cancelled()


async def test_the_fetch_loop_asks_again_after_an_expiry_and_pauses_when_unavailable(
        monkeypatch) -> None:
    """``_fetched_whole``'s loop: a pull request that expired empty is asked again at once;
    JetStream unable to answer (an election, a reconnect) is asked again after a pause,
    not in a tight loop; each fetch is handed over whole."""
    from nats.js.errors import ServiceUnavailableError

    import shared.consumer as consumer

    answers: list[object] = [TimeoutError(), ServiceUnavailableError(),
                             [_message(2), _message(1)], [_message(3)]]
    subscriber = SimpleNamespace(running=True)

    async def fetch(**_request: object) -> list[SimpleNamespace]:  # batch, timeout
        answer = answers.pop(0)
        if not answers:
            subscriber.running = False  # the service stops after this fetch
        if isinstance(answer, Exception):
            raise answer
        return answer

    subscriber.subscription = SimpleNamespace(fetch=fetch)
    test_task = asyncio.current_task()
    slept = _sleeps_of(monkeypatch, lambda task: task is test_task)
    taken: list[list[int]] = []

    async def settle(batch) -> None:
        taken.append([raw.metadata.sequence.stream for raw, _ in batch])

    async def parsed(raws):
        return [(raw, None) for raw in raws]

    consumer._fetched_whole(subscriber, parsed, _Batches(settle, name="test", size=16))
    await subscriber._consume_pull(cb=None)
    assert taken == [[1, 2], [3]]
    assert slept == [consumer.UNAVAILABLE_PAUSE]
