"""OpenRLHF adapter: responses recovered from queries, result shapes, and the local reward_func."""

from __future__ import annotations

from typing import Any

import pytest

from reward_server.adapters import label_to_reference, parse_components
from reward_server.adapters import openrlhf as adapter
from reward_server.adapters.openrlhf import split_response, strip_special_tokens, to_openrlhf
from reward_server.client import ScoreResult

QWEN_PROMPT = (
    "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
)
ANSWER = "<think>2 and 2</think>\n<answer>4</answer>"


@pytest.mark.parametrize(
    ("query", "prompt", "response"),
    [
        (QWEN_PROMPT + ANSWER + "<|im_end|>", QWEN_PROMPT, ANSWER),
        (QWEN_PROMPT + ANSWER + "<|im_end|><|endoftext|>", QWEN_PROMPT, ANSWER),
        ("<s>[INST] 2+2? [/INST]" + ANSWER + "</s>", "[INST] 2+2? [/INST]", ANSWER),  # BOS in front
        (
            "<｜begin▁of▁sentence｜><｜User｜>2+2?<｜Assistant｜><think>\n"
            + "x</think>4<｜end▁of▁sentence｜>",
            "<｜User｜>2+2?<｜Assistant｜><think>\n",
            "x</think>4",
        ),
        (
            "<bos><start_of_turn>user\nq<end_of_turn>\n<start_of_turn>model\n" + ANSWER + "<eos>",
            "<start_of_turn>user\nq<end_of_turn> \n<start_of_turn>model\n",
            "\nmodel\n" + ANSWER,
        ),
        ("Q: é 中文\nA: 4", "Q: é 中文\nA:", " 4"),
        ("", "", ""),
    ],
)
def test_split_response(query: str, prompt: str, response: str) -> None:
    assert split_response(query, prompt) == response


def test_our_tags_are_not_special_tokens() -> None:
    text = "<think>a</think><answer>b</answer><|eot_id|>[PAD]"
    assert strip_special_tokens(text) == "<think>a</think><answer>b</answer>"


@pytest.mark.parametrize(
    ("label", "task", "expected"),
    [
        ("18", None, ("math", "18")),
        (18, None, ("math", 18)),
        (None, None, ("math", None)),
        ('{"inputs": ["1"], "outputs": ["1"]}', None, ("code", {"inputs": ["1"], "outputs": ["1"]})),
        (
            {"test_cases": [{"input": "1", "output": "1", "type": "stdin_stdout"}]},
            "math",
            ("code", {"test_cases": [{"input": "1", "output": "1", "type": "stdin_stdout"}]}),
        ),
        ('{"answer": 3}', None, ("math", '{"answer": 3}')),
        (["assert f() == 1"], "code", ("code", ["assert f() == 1"])),
    ],
)
def test_labels(label: Any, task: str | None, expected: tuple[str, Any]) -> None:
    assert label_to_reference(label, task) == expected


def test_parse_components() -> None:
    assert parse_components("accuracy:1, format:0.5,language") == {
        "accuracy": 1.0,
        "format": 0.5,
        "language": 1.0,
    }
    with pytest.raises(ValueError, match="not a number"):
        parse_components("accuracy:x")


def test_result_shape_lists_numbers_and_error_flag() -> None:
    results = [
        ScoreResult(reward=1.5, components={"accuracy": 1.0, "format": 1.0}, status="ok"),
        ScoreResult(reward=0.5, components={"accuracy": None, "format": 1.0}, status="invalid_reference"),
    ]
    assert to_openrlhf(results) == {
        "rewards": [1.5, 0.5],
        "scores": [1.5, 0.5],
        "extra_logs": {"accuracy": [1.0, 0.0], "format": [1.0, 1.0], "error": [0.0, 1.0]},
    }
    assert to_openrlhf([], ["accuracy"]) == {
        "rewards": [],
        "scores": [],
        "extra_logs": {"accuracy": [], "error": []},
    }


def test_local_reward_func_calls_the_service(live_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As OpenRLHF calls a ``.py`` reward: ``reward_func(queries, prompts, labels)`` in a thread."""
    monkeypatch.setenv("REWARD_SERVER_URL", live_url)
    monkeypatch.setenv("REWARD_SERVER_COMPONENTS", "accuracy:1,format:0.5")
    monkeypatch.setattr(adapter, "_client", None)
    out = adapter.reward_func([QWEN_PROMPT + ANSWER + "<|im_end|>"], [QWEN_PROMPT], ["4"])
    assert out == {
        "rewards": [1.5],
        "scores": [1.5],
        "extra_logs": {"accuracy": [1.0], "format": [1.0], "error": [0.0]},
    }
    assert adapter.reward_func([], [], []) == {
        "rewards": [],
        "scores": [],
        "extra_logs": {"accuracy": [], "format": [], "error": []},
    }
