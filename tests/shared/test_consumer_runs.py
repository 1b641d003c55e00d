"""How a batch is cut into statements when its handler upserts a row per key (issue 17):
PostgreSQL lets one statement change a row once; and when a batch is settled."""

from __future__ import annotations

import asyncio
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


async def _settled_batches(linger: float) -> list[list[int]]:
    """Three messages handed over one after the other; the batches they were settled in."""
    batches: list[list[int]] = []
    release = asyncio.Event()

    async def settle(batch) -> None:
        batches.append([raw.metadata.sequence.stream for raw, _ in batch])
        await release.wait()

    waiting = _Batches(settle, name="test", size=16, linger=linger)
    first = asyncio.create_task(waiting.apply(_message(1), None))
    for _ in range(3):
        await asyncio.sleep(0)  # the drain starts (and, with no linger, settles the first)
    rest = [asyncio.create_task(waiting.apply(_message(n), None)) for n in (3, 2)]
    release.set()
    await asyncio.gather(first, *rest)
    await waiting.settled()
    return batches


async def test_a_batch_is_settled_at_once_unless_it_lingers() -> None:
    """Issue 17: with no linger (dispatch's board) the first message is settled at once and
    the next ones make the next batch; with a linger (a consumer no one watches live) what
    comes meanwhile joins the first batch, in stream order."""
    assert await _settled_batches(0.0) == [[1], [2, 3]]
    assert await _settled_batches(0.05) == [[1, 2, 3]]
