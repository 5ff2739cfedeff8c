"""TRL adapter: items from TRL's keyword calls, one request per batch, per-component columns, pickling."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import httpx
import pytest

from reward_server.adapters.trl import ServiceRewards, items_from_batch, reward_funcs
from reward_server.client import RewardUnavailableError

GOOD = "<think>2 and 2</think><answer>4</answer>"
BAD = "<think>x</think><think>y</think><answer>5</answer>"


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the requests that reach the network (async adapter)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return await self.inner.handle_async_request(request)


class SyncCountingTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.count = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        return self.inner.handle_request(request)


def trl_kwargs(completions: list[Any], prompts: list[Any], **columns: list[Any]) -> dict[str, Any]:
    """What TRL passes: the batch, every dataset column, and three non-JSON runtime objects."""
    logged: list[tuple[str, float]] = []
    return {
        "prompts": prompts,
        "completions": completions,
        "completion_ids": [[1] * (len(str(c)) // 4) for c in completions],
        **columns,
        "trainer_state": object(),
        "log_extra": lambda *a: None,
        "log_metric": lambda name, value: logged.append((name, value)),
    }


def test_items_from_string_batch() -> None:
    items = items_from_batch(
        ["Q1", "Q1", "Q2", "Q2"],
        [GOOD, BAD, GOOD, "x"],
        [[1, 2], [1], [], [5, 5, 5]],
        {"reference": ["4", "4", "7", "7"], "language": ["en"] * 4, "level": [1, 1, 2, 2]},
    )
    assert [it["group"] for it in items] == [0, 0, 1, 1]
    assert [it["completion_tokens"] for it in items] == [2, 1, 0, 3]
    assert items[2] == {
        "language": "en",
        "level": 2,
        "completion": GOOD,
        "prompt": "Q2",
        "group": 1,
        "completion_tokens": 0,
        "task": "math",
        "reference": "7",
    }


def test_items_from_conversational_batch_and_code_labels() -> None:
    prompt = [{"role": "user", "content": "Write f"}]
    completion = [{"role": "assistant", "content": "```python\nprint(1)\n```"}]
    tests = '{"inputs": ["1\\n"], "outputs": ["1\\n"]}'
    [item] = items_from_batch([prompt], [completion], None, {"answer": [tests], "image": [object()]})
    assert item["completion"] == completion and item["prompt"] == prompt
    assert item["task"] == "code" and item["reference"] == {"inputs": ["1\n"], "outputs": ["1\n"]}
    assert "image" not in item  # not JSON: dropped, not sent
    [item] = items_from_batch(None, ["x"], None, {"solution": ["\\boxed{3}"], "answer": ["3"]}, "solution")
    assert item["reference"] == "\\boxed{3}" and item["answer"] == "3"


async def test_async_functions_share_one_request_per_batch(live_url: str) -> None:
    transport = CountingTransport()
    rewards = ServiceRewards(
        {"accuracy": 1.0, "format": 0.5, "tag_count": 0.0}, live_url, transport=transport
    )
    assert [f.__name__ for f in rewards.funcs] == ["accuracy", "format", "tag_count"]
    assert rewards.weights == [1.0, 0.5, 0.0]
    kwargs = trl_kwargs([GOOD, BAD, "no answer"], ["Q"] * 3, reference=["4", "4", "4"])
    columns = await asyncio.gather(*(f(**kwargs) for f in rewards.funcs))  # as TRL runs async functions
    assert columns[0] == [1.0, 0.0, 0.0]
    assert columns[1] == [1.0, 0.0, 0.0]
    assert columns[2][0] == 1.0 and columns[2][1] < 1.0
    assert transport.count == 1
    assert await rewards.funcs[0](**kwargs) == [1.0, 0.0, 0.0] and transport.count == 1  # cached batch


def test_sync_functions_share_one_request_and_null_is_none(live_url: str) -> None:
    transport = SyncCountingTransport()
    funcs, weights = reward_funcs(
        {"accuracy": 2.0, "format": {"weight": 1.0, "mode": "think"}},
        live_url,
        asynchronous=False,
        transport=transport,
    )
    assert weights == [2.0, 1.0]
    kwargs = trl_kwargs([GOOD, GOOD], ["Q", "Q"], reference=["4", None])
    assert [f(**kwargs) for f in funcs] == [[1.0, None], [1.0, 1.0]]
    assert transport.count == 1


def test_functions_pickle_and_still_score(live_url: str) -> None:
    rewards = ServiceRewards({"accuracy": 1.0, "format": 1.0}, live_url, asynchronous=False)
    funcs = pickle.loads(pickle.dumps(rewards.funcs))
    assert funcs[0].scorer is funcs[1].scorer  # still one request per batch after unpickling
    assert funcs[0].__name__ == "accuracy"
    kwargs = trl_kwargs([GOOD], ["Q"], reference=["4"])
    assert funcs[0](**kwargs) == [1.0] and funcs[1](**kwargs) == [1.0]
    async_funcs = pickle.loads(pickle.dumps(ServiceRewards(None, live_url).funcs))
    assert asyncio.run(async_funcs[1](**kwargs)) == [1.0]


def test_unreachable_service_stops_training_or_gives_none() -> None:
    from tests.client.live import dead_url

    kwargs = trl_kwargs([GOOD], ["Q"], reference=["4"])
    strict = ServiceRewards(None, dead_url(), asynchronous=False, max_retries=0)
    with pytest.raises(RewardUnavailableError):
        strict.funcs[0](**kwargs)
    lenient = ServiceRewards(None, dead_url(), raise_on_error=False, max_retries=0)
    assert asyncio.run(lenient.funcs[0](**kwargs)) == [None]
