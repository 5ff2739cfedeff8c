"""RewardClient and AsyncRewardClient against a live server: order, specs, errors, load spreading."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from reward_server.client import AsyncRewardClient, RewardClient, RewardRequestError, ScoreResult
from tests.client.live import dead_url

GOOD = "<think>2 and 2</think><answer>4</answer>"


def batch(n: int) -> list[dict[str, Any]]:
    """Right, wrong and unanswered items in turn, so order mistakes show."""
    kinds = [(GOOD, "4"), ("<think>x</think><answer>5</answer>", "4"), ("no answer", "4")]
    return [{"id": i, "completion": kinds[i % 3][0], "reference": kinds[i % 3][1]} for i in range(n)]


def check_order(results: list[ScoreResult], n: int) -> None:
    assert [r.id for r in results] == list(range(n))
    for i, r in enumerate(results):
        assert r.components["accuracy"] == (1.0 if i % 3 == 0 else 0.0)
        assert r.status == ("no_answer" if i % 3 == 2 else "ok")


def test_sync_score_in_order_with_default_spec(live_url: str) -> None:
    with RewardClient(live_url) as client:
        results = client.score(batch(30))
        check_order(results, 30)
        assert results[0].reward == 2.0 and results[0].components == {"accuracy": 1.0, "format": 1.0}
        assert results[0].details["accuracy"]["details"]["extracted"] == "4"
        assert client.score([]) == []


def test_spec_with_weights_and_parameters(live_url: str) -> None:
    with RewardClient(live_url) as client:
        [r] = client.score(
            [{"completion": "<think>r</think>\nThe answer is 4.", "reference": 4}],
            {"accuracy": 2.0, "format": {"weight": 0.5, "mode": "think"}},
        )
    assert r.reward == 2.5 and not r.error


def test_null_component_is_none_and_flags_error(live_url: str) -> None:
    with RewardClient(live_url) as client:
        [r] = client.score([{"completion": GOOD}])
    assert r.components["accuracy"] is None and r.status == "invalid_reference" and r.error


def test_large_batch_is_split_and_reassembled(live_url: str) -> None:
    with RewardClient(live_url, max_batch_size=7, max_concurrency=3) as client:
        check_order(client.score(batch(50)), 50)


def test_unknown_component_raises_at_once(live_url: str) -> None:
    with (
        RewardClient(live_url, max_retries=3, backoff=5.0) as client,
        pytest.raises(RewardRequestError) as info,
    ):
        client.score(batch(1), {"nope": 1.0})
    assert info.value.status_code == 422 and "unknown component 'nope'" in info.value.message


def test_fails_over_from_a_dead_url(live_url: str) -> None:
    with RewardClient([dead_url(), live_url], backoff=0.01) as client:
        for _ in range(3):  # whichever URL a request starts at, it ends on the live one
            check_order(client.score(batch(3)), 3)
        assert client.health()["status"] == "ok"


def test_numpy_columns_are_encoded(live_url: str) -> None:
    import numpy as np  # in the test extra: verl hands numpy arrays, this must run
    item = {
        "completion": GOOD,
        "reference": np.int64(4),
        "score_hint": np.array([1, 2]),
        "w": np.float32(0.5),
    }
    with RewardClient(live_url) as client:
        [r] = client.score([item])
    assert r.components["accuracy"] == 1.0


async def test_async_score_and_split(live_url: str) -> None:
    async with AsyncRewardClient(live_url, max_batch_size=8) as client:
        check_order(await client.score(batch(40)), 40)
        assert (await client.health())["status"] == "ok"


async def test_score_one_calls_at_once_are_each_their_own_group(live_url: str) -> None:
    """Coalesced single items are scored as if sent alone (group-relative components included)."""
    spec = {"accuracy": 1.0, "length": 0.0}
    async with AsyncRewardClient(live_url) as client:
        together = await asyncio.gather(*(client.score_one(item, spec) for item in batch(9)))
        alone = [(await client.score(batch(9)[i : i + 1], spec))[0] for i in range(9)]
    assert [r.components for r in together] == [r.components for r in alone]


def test_async_client_serves_several_event_loops(live_url: str) -> None:
    """verl may run the async function with ``asyncio.run`` in worker threads: one client, many loops."""
    client = AsyncRewardClient(live_url)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(2):
                results = asyncio.run(client.score(batch(6)))
                check_order(results, 6)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
