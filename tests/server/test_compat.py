"""/compat/openrlhf and /compat/slime through HTTP, with the payloads those trainers send."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AppFactory

QWEN = "<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n"
GOOD = "<think>2 and 2 make 4</think>\n<answer>4</answer>"


def openrlhf(client: TestClient, body: dict[str, Any], query: str = "") -> dict[str, Any]:
    response = client.post("/compat/openrlhf" + query, json=body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"  # OpenRLHF requires it
    out: dict[str, Any] = response.json()
    return out


def one_sample(prompt: str, response: str, label: Any) -> dict[str, Any]:
    """OpenRLHF ≥ 0.10: one sample per POST, query = prompt + response with special tokens."""
    return {"query": [prompt + response + "<|im_end|>"], "prompts": [prompt], "labels": [label]}


def test_openrlhf_single_sample(client: TestClient) -> None:
    prompt = QWEN.format(q="What is 2+2?")
    out = openrlhf(client, one_sample(prompt, GOOD, "4"))
    assert out == {
        "rewards": [2.0],
        "scores": [2.0],
        "extra_logs": {"accuracy": [1.0], "format": [1.0], "error": [0.0]},
    }


def test_openrlhf_empty_shard_answers_empty_lists(client: TestClient) -> None:
    """With one sample and N URLs, N-1 servers receive empty lists: 200 with the same keys."""
    out = openrlhf(client, {"query": [], "prompts": [], "labels": []}, "?components=accuracy:1,format:0.5")
    assert out == {"rewards": [], "scores": [], "extra_logs": {"accuracy": [], "format": [], "error": []}}


def test_openrlhf_whole_batch_in_order(client: TestClient) -> None:
    """Releases ≤ 0.9 send the whole rollout batch in one request."""
    answers = ["4", "5", "", "\\frac{8}{2}"] * 25
    prompts = [QWEN.format(q=f"q{i}") for i in range(100)]
    body = {
        "query": [
            p + f"<think>r</think><answer>{a}</answer><|im_end|><|endoftext|>"
            for p, a in zip(prompts, answers)
        ],
        "prompts": prompts,
        "labels": ["4"] * 100,
    }
    out = openrlhf(client, body, "?components=accuracy:1")
    assert out["rewards"] == [1.0, 0.0, 0.0, 1.0] * 25
    assert out["extra_logs"]["accuracy"] == out["rewards"]


def test_openrlhf_non_ascii_escaped(client: TestClient) -> None:
    """OpenRLHF's aiohttp sends ``\\u``-escaped JSON."""
    prompt = QWEN.format(q="Combien font 2+2 ? 请回答")
    raw = json.dumps(
        one_sample(prompt, "<think>deux et deux</think><answer>4</answer>", "4"), ensure_ascii=True
    )
    response = client.post("/compat/openrlhf", content=raw, headers={"content-type": "application/json"})
    assert response.json()["rewards"] == [2.0]


def test_openrlhf_spec_from_query(client: TestClient) -> None:
    prompt = QWEN.format(q="2+2?")
    body = one_sample(prompt, "<think>r</think>\nThe answer is 4.", "4")
    out = openrlhf(client, body, "?task=math&components=accuracy:1,format:0.5,tag_count:0&format.mode=think")
    assert out["rewards"] == [1.5]
    assert set(out["extra_logs"]) == {"accuracy", "format", "tag_count", "error"}


def test_openrlhf_opened_think_in_template(client: TestClient) -> None:
    prompt = QWEN.format(q="2+2?") + "<think>\n"
    out = openrlhf(client, one_sample(prompt, "2 and 2</think>\n<answer>4</answer>", "4"))
    assert out["extra_logs"]["format"] == [1.0]


@pytest.mark.parametrize("label", [None, "", {"nothing": 1}])
def test_openrlhf_unscorable_label_is_a_score_with_error_flag(client: TestClient, label: Any) -> None:
    out = openrlhf(client, one_sample(QWEN.format(q="2+2?"), GOOD, label))
    assert out["extra_logs"]["error"] == [1.0] and out["extra_logs"]["accuracy"] == [0.0]
    assert out["rewards"] == [1.0]  # format still counts; accuracy adds nothing


def test_openrlhf_bad_spec_is_422(client: TestClient) -> None:
    for query in [
        "?components=accuracy,nope",
        "?components=accuracy:x",
        "?components=accuracy&format.mode=think",
    ]:
        response = client.post("/compat/openrlhf" + query, json={"query": [], "prompts": [], "labels": []})
        assert response.status_code == 422, query
        assert response.json()["error"] == "invalid_request"


def test_failure_inside_scoring_is_not_a_5xx(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    service = client.app.state.service  # type: ignore[attr-defined]

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(service.scoring, "score", broken)
    out = openrlhf(client, one_sample(QWEN.format(q="q"), GOOD, "4"))
    assert out == {
        "rewards": [0.0],
        "scores": [0.0],
        "extra_logs": {"accuracy": [0.0], "format": [0.0], "error": [1.0]},
    }
    response = client.post("/compat/slime", json={"prompt": "q", "response": GOOD, "label": "4"})
    assert (
        response.status_code == 200
        and response.json()["error"] == 1.0
        and response.json()["status"] == "error"
    )


def test_server_side_default_components(make_client: Any) -> None:
    client = make_client()
    client.app.state.settings.__dict__["compat_components"] = "accuracy:3"
    out = openrlhf(client, one_sample(QWEN.format(q="q"), GOOD, "4"))
    assert out["rewards"] == [3.0] and set(out["extra_logs"]) == {"accuracy", "error"}
    assert openrlhf(client, one_sample(QWEN.format(q="q"), GOOD, "4"), "?components=format")["rewards"] == [
        1.0
    ]


def slime(client: TestClient, body: dict[str, Any], query: str = "") -> dict[str, Any]:
    response = client.post("/compat/slime" + query, json=body)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out


def test_slime_sample(client: TestClient) -> None:
    """slime posts ``{"prompt", "response", "label"}`` and reads ``--reward-key reward``."""
    out = slime(client, {"prompt": "What is 2+2?", "response": GOOD, "label": "4"})
    assert out == {
        "reward": 2.0,
        "error": 0.0,
        "status": "ok",
        "components": {"accuracy": 1.0, "format": 1.0},
    }


def test_slime_chat_prompt_language_and_spec(client: TestClient) -> None:
    body = {
        "prompt": [{"role": "user", "content": "Combien font deux plus deux ?"}],
        "response": "<think>Deux plus deux font quatre, donc la réponse est quatre.</think><answer>4</answer>",
        "label": "4",
    }
    out = slime(client, body, "?components=accuracy:1,language:0.5&language=fr")
    assert (
        out["components"]["accuracy"] == 1.0 and out["components"]["language"] == 1.0 and out["reward"] == 1.5
    )


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "q", "response": GOOD, "label": None},
        {"prompt": "q", "response": GOOD},
        {"prompt": [{"content": "no role"}], "response": GOOD, "label": "4"},
        {"prompt": "q", "response": "", "label": ""},
    ],
)
def test_slime_problems_are_scores_with_error_flag(client: TestClient, body: dict[str, Any]) -> None:
    out = slime(client, body)
    assert out["error"] == 1.0 and out["status"] != "ok"


def test_slime_extra_fields_and_unicode(client: TestClient) -> None:
    body = {"prompt": "q", "response": "\ufffd\ufffd <think>" * 50, "label": "1", "metadata": {"x": 1}}
    out = slime(client, body)
    assert out["reward"] == 0.0 and out["status"] == "no_answer"


def test_code_label_routes_to_code(make_client: AppFactory) -> None:
    """A label that is a JSON object with tests means code, run in the real local sandbox."""
    client = make_client(sandbox="local")
    tests = json.dumps({"inputs": ["1 2\n"], "outputs": ["3\n"]})
    body = one_sample(
        QWEN.format(q="add"), "```python\na, b = map(int, input().split())\nprint(a + b)\n```", tests
    )
    out = openrlhf(client, body, "?components=accuracy:1")
    assert out == {"rewards": [1.0], "scores": [1.0], "extra_logs": {"accuracy": [1.0], "error": [0.0]}}
    out = slime(
        client, {"prompt": "add", "response": body["query"][0][len(body["prompts"][0]) :], "label": tests}
    )
    assert out["reward"] == 1.0


# ---- the spec in a URL that OpenRLHF splits on commas ------------------------------------


def test_named_spec_in_the_path(make_client: AppFactory) -> None:
    client = make_client(compat_specs={"mine": {"accuracy": 1, "format": {"weight": 0.5, "mode": "think"}}})
    body = one_sample(QWEN.format(q="2+2?"), "<think>r</think>\nThe answer is 4.", "4")
    out = openrlhf_at(client, "/compat/openrlhf/mine", body)
    assert out["rewards"] == [1.5] and set(out["extra_logs"]) == {"accuracy", "format", "error"}
    assert openrlhf_at(client, "/compat/openrlhf/r1", body)["extra_logs"]["format"] == [0.0]  # built in: strict
    assert openrlhf_at(client, "/compat/openrlhf/mine?format.mode=strict", body)["rewards"] == [1.0]
    slime_out = client.post("/compat/slime/mine", json={"prompt": "q", "response": GOOD, "label": "4"}).json()
    assert slime_out["reward"] == 1.5


def test_named_spec_from_text_setting(make_client: AppFactory) -> None:
    client = make_client(compat_specs='{"acc": "accuracy:2"}')
    out = openrlhf_at(client, "/compat/openrlhf/acc", one_sample(QWEN.format(q="q"), GOOD, "4"))
    assert out["rewards"] == [2.0] and set(out["extra_logs"]) == {"accuracy", "error"}


def test_repeated_components_need_no_comma(client: TestClient) -> None:
    body = one_sample(QWEN.format(q="2+2?"), GOOD, "4")
    repeated = openrlhf(client, body, "?components=accuracy:1&components=format:0.5")
    assert repeated == openrlhf(client, body, "?components=accuracy:1,format:0.5")
    assert repeated["rewards"] == [1.5]


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/compat/openrlhf/nope", 404, "unknown spec 'nope'"),
        ("/compat/slime/nope", 404, "named specs: r1"),
        ("/compat/openrlhf/r1?components=accuracy", 422, "not both"),
        ("/compat/openrlhf?component=accuracy", 422, "unknown query parameter 'component'"),
        ("/compat/slime?langauge=en", 422, "unknown query parameter 'langauge'"),
        ("/compat/openrlhf/r1?tag_count.tags=1", 422, "not among the components"),
    ],
)
def test_bad_urls_are_refused_at_the_first_call(client: TestClient, path: str, status: int, words: str) -> None:
    body = {"query": [], "prompts": [], "labels": []} if "openrlhf" in path else {"response": "x"}
    response = client.post(path, json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["message"]


@pytest.mark.parametrize(
    "specs",
    [{"bad": {"nope": 1}}, {"bad": "accuracy:x"}, {"bad name": "accuracy"}, {"bad": {"format": {"mode": "loose"}}}],
)
def test_a_broken_named_spec_stops_the_start(make_client: AppFactory, specs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="compat_specs"):
        make_client(compat_specs=specs)


def openrlhf_at(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    out: dict[str, Any] = response.json()
    return out
