"""verl adapter: data sources and ground truths → items, and calls shaped like verl's reward loop."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from reward_server.adapters import verl
from reward_server.adapters.verl import compute_score, compute_score_batch, compute_score_sync, item_from_verl
from reward_server.client import RewardUnavailableError

GOOD = "<think>2 and 2</think><answer>4</answer>"
CODE_GT = {"inputs": ["1 2\n"], "outputs": ["3\n"], "fn_name": None}


@pytest.mark.parametrize(
    ("data_source", "ground_truth", "task", "reference"),
    [
        ("openai/gsm8k", "72", "math", "72"),
        ("openai/gsm8k", "#### 72", "math", "#### 72"),
        ("lighteval/MATH", "\\frac{1}{2}", "math", "\\frac{1}{2}"),
        ("DigitalLearningGmbH/MATH-lighteval", "\\boxed{3}", "math", "\\boxed{3}"),
        ("HuggingFaceH4/MATH-500", "(1, 2]", "math", "(1, 2]"),
        ("math_dapo", "34", "math", "34"),
        ("aime2024", "204", "math", "204"),
        ("numina_olympiads", "x^2", "math", "x^2"),
        ("codecontests", json.dumps(CODE_GT), "code", CODE_GT),
        ("apps", CODE_GT, "code", CODE_GT),
        (
            "taco",
            json.dumps({"inputs": [[1, 2]], "outputs": [3], "fn_name": "add"}),
            "code",
            {"inputs": [[1, 2]], "outputs": [3], "fn_name": "add"},
        ),
        (
            "codeforces",
            json.dumps({"assert_case": ["assert f(1) == 2"]}),
            "code",
            {"assert_case": ["assert f(1) == 2"]},
        ),
        (
            "my_private_set",
            json.dumps({"assert_case": ["assert g() is None"]}),
            "code",
            {"assert_case": ["assert g() is None"]},
        ),
        ("my_private_set", "{not json", "math", "{not json"),
        ("livecodebench_v5", "garbage", "code", "garbage"),
    ],
)
def test_data_sources_map_to_items(data_source: str, ground_truth: Any, task: str, reference: Any) -> None:
    item = item_from_verl(data_source, "sol", ground_truth, {"index": 3, "split": "train"})
    assert item["task"] == task and item["reference"] == reference and item["completion"] == "sol"


def test_numpy_ground_truth_language_and_opened_think() -> None:
    import numpy as np  # in the test extra: verl hands numpy arrays, this must run
    item = item_from_verl("x", "s", np.str_("5"), {"language": "fr"}, think_opened=True)
    assert item["reference"] == "5" and item["language"] == "fr" and item["prompt"] == "<think>\n"
    assert item_from_verl("x", "s", np.array(["a", "b"]))["reference"] == ["a", "b"]


def verl_partial(fn: Any, **reward_kwargs: Any) -> Any:
    """How verl wraps the user's function: reward_kwargs merged over the call's keywords."""

    async def call_async(raw: Any, extra: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return await raw(*args, **{**kwargs, **extra})

    def call_sync(raw: Any, extra: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return raw(*args, **{**kwargs, **extra})

    wrapper = call_async if inspect.iscoroutinefunction(fn) else call_sync
    return functools.partial(wrapper, fn, reward_kwargs)


def sample(i: int) -> dict[str, Any]:
    solutions = [GOOD, "<think>x</think><answer>5</answer>", "\\boxed{4}"]
    return {
        "data_source": "openai/gsm8k",
        "solution_str": solutions[i % 3],
        "ground_truth": "4",
        "extra_info": {"index": i, "num_turns": 1, "rollout_reward_scores": {}},
    }


EXPECTED = [
    {"score": 1.5, "accuracy": 1.0, "format": 1.0, "error": 0.0},
    {"score": 0.5, "accuracy": 0.0, "format": 1.0, "error": 0.0},
    {"score": 1.0, "accuracy": 1.0, "format": 0.0, "error": 0.0},
]


async def test_reward_loop_awaits_many_samples_on_its_event_loop(live_url: str) -> None:
    fn = verl_partial(compute_score, url=live_url, components="accuracy:1,format:0.5")
    assert inspect.iscoroutinefunction(fn)  # verl picks the async path
    results = await asyncio.gather(*(fn(**sample(i), reward_router_address=None) for i in range(30)))
    assert results == [EXPECTED[i % 3] for i in range(30)]
    assert len({tuple(r) for r in results}) == 1  # same keys for every sample: verl makes columns of them


def test_async_function_from_a_thread_pool_of_event_loops(live_url: str) -> None:
    fn = verl_partial(compute_score, url=live_url, components={"accuracy": 1, "format": 0.5})
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: asyncio.run(fn(**sample(i))), range(12)))
    assert results == [EXPECTED[i % 3] for i in range(12)]


def test_sync_function_from_a_thread_pool(live_url: str) -> None:
    fn = verl_partial(compute_score_sync, url=live_url, components="accuracy:1,format:0.5")
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: fn(**sample(i)), range(12)))
    assert results == [EXPECTED[i % 3] for i in range(12)]


async def test_unscored_sample_is_zero_with_error_flag(live_url: str) -> None:
    result = await compute_score("openai/gsm8k", GOOD, None, None, url=live_url)
    assert result == {"score": 1.0, "accuracy": 0.0, "format": 1.0, "error": 1.0}


async def test_unreachable_service_raises() -> None:
    from tests.client.live import dead_url

    with pytest.raises(RewardUnavailableError):
        await compute_score("openai/gsm8k", GOOD, "4", url=dead_url(), max_retries=0)


def test_batch_manager_form(live_url: str) -> None:
    import numpy as np  # in the test extra: verl hands numpy arrays, this must run
    samples = [sample(i) for i in range(9)]
    fn = verl_partial(compute_score_batch, url=live_url, components="accuracy:1,format:0.5")
    results = fn(
        data_sources=np.array([s["data_source"] for s in samples], dtype=object),
        solution_strs=[s["solution_str"] for s in samples],
        ground_truths=[s["ground_truth"] for s in samples],
        extra_infos=np.array([s["extra_info"] for s in samples], dtype=object),
    )
    assert results == [EXPECTED[i % 3] for i in range(9)]


def test_components_from_environment(live_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVER_URL", live_url)
    monkeypatch.setenv("REWARD_SERVER_COMPONENTS", '{"accuracy": 1.0, "tag_count": 0.0}')
    monkeypatch.setattr(verl, "_sync_clients", {})
    result = compute_score_sync("openai/gsm8k", GOOD, "4")
    assert set(result) == {"score", "accuracy", "tag_count", "error"} and result["score"] == 1.0
