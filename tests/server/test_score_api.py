"""The /v1/score contract, through HTTP (in-process app, thread pool standing in for workers)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AppFactory
from verifiers.components import default_registry
from verifiers.types import Job, Sample, Score, Status

GOOD = "<think>I add them.</think><answer>\\frac{1}{2}</answer>"


def score(client: TestClient, items: list[dict[str, Any]], components: Any = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"items": items}
    if components is not None:
        body["components"] = components
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    assert len(results) == len(items)
    return results


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert {"accuracy", "format"} <= set(response.json()["components"])


def test_default_spec_is_r1_rule_reward(client: TestClient) -> None:
    [result] = score(client, [{"completion": GOOD, "reference": "0.5", "id": "a"}])
    assert result["id"] == "a"
    assert result["components"] == {"accuracy": 1.0, "format": 1.0}
    assert result["reward"] == 2.0
    assert result["status"] == "ok"
    acc = result["details"]["accuracy"]
    assert acc["details"]["extracted"] == "\\frac{1}{2}"
    assert acc["weight"] == 1.0


def test_empty_batch(client: TestClient) -> None:
    assert client.post("/v1/score", json={"items": []}).json() == {"results": []}


def test_order_is_preserved_across_fast_and_symbolic_paths(client: TestClient) -> None:
    items = []
    for i in range(60):
        if i % 3 == 0:
            items.append({"id": i, "completion": f"\\boxed{{{i}}}", "reference": str(i)})
        elif i % 3 == 1:
            items.append({"id": i, "completion": f"\\boxed{{(x+{i})^2}}", "reference": f"x^2+{2 * i}x+{i * i}"})
        else:
            items.append({"id": i, "completion": "no answer here", "reference": "1"})
    results = score(client, items, {"accuracy": 1.0})
    assert [r["id"] for r in results] == list(range(60))
    for i, r in enumerate(results):
        expected = 0.0 if i % 3 == 2 else 1.0
        assert r["components"]["accuracy"] == expected, (i, r)
        assert r["status"] == ("no_answer" if i % 3 == 2 else "ok")


@pytest.mark.parametrize(
    ("reference", "answer"),
    [(18, "18"), ("#### 18", "18"), ("$\\frac{1}{2}$", "0.5"), ("\\boxed{3}", "3"), (0.25, "\\frac14")],
)
def test_reference_shapes(client: TestClient, reference: Any, answer: str) -> None:
    [result] = score(client, [{"completion": f"\\boxed{{{answer}}}", "reference": reference}], {"accuracy": 1})
    assert result["components"]["accuracy"] == 1.0


def test_chat_messages_and_opened_think(client: TestClient) -> None:
    item = {
        "prompt": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "<think>"}],
        "completion": [{"role": "assistant", "content": "2 and 2 make 4</think><answer>4</answer>"}],
        "reference": "4",
    }
    [result] = score(client, [item])
    assert result["components"] == {"accuracy": 1.0, "format": 1.0}
    opened_in_string = {"prompt": "<|im_start|>assistant\n<think>\n", "completion": item["completion"], "reference": 4}
    [result] = score(client, [opened_in_string])
    assert result["components"]["format"] == 1.0


def test_weights_parameters_and_metrics(client: TestClient) -> None:
    [result] = score(
        client,
        [{"completion": "<think>r</think>\nThe answer is 4.", "reference": "4"}],
        {"accuracy": 2.0, "format": {"weight": 0.5, "mode": "think"}},
    )
    assert result["components"] == {"accuracy": 1.0, "format": 1.0}
    assert result["reward"] == 2.5
    [metric] = score(client, [{"completion": GOOD, "reference": "0.5"}], {"accuracy": 1, "format": 0})
    assert metric["reward"] == 1.0
    assert metric["components"]["format"] == 1.0


def test_unscorable_component_is_null_and_adds_nothing(client: TestClient) -> None:
    [result] = score(client, [{"completion": GOOD}])
    assert result["components"]["accuracy"] is None
    assert result["status"] == "invalid_reference"
    assert result["reward"] == 1.0  # format only


def test_garbage_and_unicode_get_a_score(client: TestClient) -> None:
    items = [
        {"completion": "\ufffd\x00\ud7ff 🙂 <think>" * 1000, "reference": "1"},
        {"completion": "", "reference": "1"},
        {"completion": "<answer>" * 5000, "reference": "1"},
        {"completion": "\\boxed{" * 5000, "reference": "1"},
    ]
    for r in score(client, items):
        assert r["components"]["accuracy"] == 0.0
        assert r["status"] == "no_answer"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"items": [{"completion": "x"}], "components": {"nope": 1}}, "nope"),
        ({"items": [{"completion": "x"}], "components": {"format": {"weight": 1, "colour": "red"}}}, "colour"),
        ({"items": [{"completion": "x"}], "components": {"format": {"mode": "loose"}}}, "mode"),
        ({"items": [{"completion": "x"}], "components": {"format": "heavy"}}, "components"),
        ({"items": [{"completion": 5}]}, "completion"),
        ({"items": [{"reference": "1"}]}, "completion"),
        ({"items": [{"completion": [{"role": "user", "content": "hi"}]}]}, "completion"),
        ({"items": [{"completion": "x", "task": "poetry"}]}, "task"),
        ({"items": "all of them"}, "items"),
        ({}, "items"),
    ],
)
def test_bad_requests_answer_422_naming_the_field(client: TestClient, body: Any, where: str) -> None:
    response = client.post("/v1/score", json=body)
    assert response.status_code == 422, response.text
    error = response.json()
    assert set(error) == {"error", "message", "details"}
    assert where in error["message"] or any(where in map(str, d["loc"]) for d in error["details"])


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post("/v1/score", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_too_many_items(make_client: AppFactory) -> None:
    client = make_client(max_items=3)
    response = client.post("/v1/score", json={"items": [{"completion": "x"}] * 4})
    assert response.status_code == 413
    assert "limit" in response.json()["message"]


def test_too_large_completion_gets_a_status(make_client: AppFactory) -> None:
    client = make_client(max_completion_chars=100)
    [big, small] = score(client, [{"completion": "x" * 101, "reference": "1"}, {"completion": "\\boxed{1}", "reference": "1"}])
    assert big["status"] == "too_large"
    assert small["components"]["accuracy"] == 1.0


# ---- deadlines, with a component whose job sleeps ------------------------------------


def _sleep_then_pass(seconds: float) -> Score:
    time.sleep(seconds)
    return Score(1.0)


@dataclass(frozen=True)
class SleepConfig:
    seconds: float = 0.0


class Sleepy:
    name = "sleepy"
    config_type = SleepConfig
    requires: ClassVar[tuple[str, ...]] = ()

    def evaluate(self, sample: Sample, config: SleepConfig) -> Job:
        return Job(fn=_sleep_then_pass, args=(float(sample.completion),))


def test_item_deadline_costs_one_item(make_client: AppFactory) -> None:
    client = make_client(registry=default_registry([Sleepy()]), item_timeout=0.3)
    results = score(client, [{"completion": "0"}, {"completion": "2"}, {"completion": "0.01"}], {"sleepy": 1})
    assert [r["status"] for r in results] == ["ok", "timeout", "ok"]
    assert results[1]["components"]["sleepy"] == 0.0
    assert "timed out" in results[1]["details"]["sleepy"]["reason"]


def test_timeout_score_is_configurable(make_client: AppFactory) -> None:
    client = make_client(registry=default_registry([Sleepy()]), item_timeout=0.2, timeout_score=None)
    [result] = score(client, [{"completion": "1"}], {"sleepy": 1})
    assert result["status"] == "timeout"
    assert result["components"]["sleepy"] is None


def test_request_deadline_bounds_the_call(make_client: AppFactory) -> None:
    """The item deadline (30 s) is far away, so only the request deadline (0.5 s) can end the 5 s job."""
    client = make_client(registry=default_registry([Sleepy()]), item_timeout=30, request_timeout=0.5)
    results = score(client, [{"completion": "5"}, {"completion": "0"}], {"sleepy": 1})
    assert [r["status"] for r in results] == ["timeout", "ok"]
    assert "request deadline" in results[0]["details"]["sleepy"]["reason"]


def test_memo_answers_repeats_without_work(client: TestClient) -> None:
    item = {"completion": "\\boxed{(x+1)^2}", "reference": "x^2+2x+1"}
    score(client, [item] * 16, {"accuracy": 1})
    stats = client.app.state.service.scoring.stats()  # type: ignore[attr-defined]
    assert stats["jobs_run"] == 1
    score(client, [item], {"accuracy": 1})
    assert client.app.state.service.scoring.stats()["memo_hits"] >= 1  # type: ignore[attr-defined]


def test_status_priority() -> None:
    from reward_server.scoring import item_status
    from reward_server.spec import Planned

    plan = [Planned("a", 1, {None: None}, False), Planned("b", 1, {None: None}, False)]
    scores = {"a": Score(0.0, Status.NO_ANSWER), "b": Score(None, Status.ERROR)}
    assert item_status(scores, plan) is Status.ERROR


def test_dependencies_are_weight_zero_metrics(client: TestClient) -> None:
    items = [
        {"completion": "<think>short</think><answer>4</answer>", "reference": "4", "group": "p1"},
        {"completion": "<think>" + "long " * 200 + "</think><answer>4</answer>", "reference": "4", "group": "p1"},
        {"completion": "<think>x</think><answer>5</answer>", "reference": "4", "group": "p2"},
    ]
    results = score(client, items, {"cosine": 1.0, "length": 1.0})
    for r in results:
        assert set(r["components"]) == {"cosine", "length", "accuracy"}
        assert r["details"]["accuracy"]["weight"] == 0.0
        assert r["reward"] == pytest.approx(r["components"]["cosine"] + r["components"]["length"])
    # Kimi length within group p1: the shorter correct answer gets more
    assert results[0]["components"]["length"] > results[1]["components"]["length"]
    # cosine: correct beats wrong
    assert results[0]["components"]["cosine"] > results[2]["components"]["cosine"]


def test_language_component_through_http(client: TestClient) -> None:
    english = "<think>" + "We compute the sum of the two numbers carefully and then check it. " * 5 + "</think><answer>4</answer>"
    [result] = score(client, [{"completion": english, "reference": "4", "language": "en"}], {"language": 1.0})
    assert result["components"]["language"] == pytest.approx(1.0)
    [result] = score(client, [{"completion": english, "reference": "4", "language": "zh"}], {"language": 1.0})
    assert result["components"]["language"] == pytest.approx(0.0)
