"""How a batch is cut into statements when its handler upserts a row per key (issue 17):
PostgreSQL lets one statement change a row once."""

from __future__ import annotations

from shared.consumer import _runs


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
