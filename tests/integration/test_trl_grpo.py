"""A real TRL ``GRPOTrainer`` trains on CPU against a running service, with our reward functions.

The model is a tiny randomly initialised Qwen2 built from a config, the tokenizer a
byte-level BPE trained here (no model hub is reachable). ``<think>``/``<answer>`` stay
ordinary tokens: TRL decodes with ``skip_special_tokens=True``, so special ones would
vanish from the completions we score. A weight-0 recorder function sees exactly what the
adapter saw; the test then asks the service for those completions itself and checks that
TRL's logged means (per component, and the weighted ``reward``) are the service's numbers,
with ``None`` (a null component) left out of the means.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest

from reward_server.adapters.trl import ServiceRewards
from reward_server.client import RewardClient
from tests.conftest import RunningServer, start_server, stop_server

pytestmark = pytest.mark.slow

SPEC: dict[str, Any] = {
    "accuracy": 1.0,
    "format": 0.5,
    "cosine": {"weight": 0.25, "max_len": 40},
    "overlong": {"weight": 0.5, "max_length": 24, "cache_length": 16},
    "length": 0.1,
}
RECORDED: list[dict[str, Any]] = []


def record(
    prompts: list[str], completions: list[str], completion_ids: list[list[int]], **kw: Any
) -> list[float]:
    """A module-level (picklable) weight-0 reward function that keeps each batch TRL scores."""
    RECORDED.append(
        {
            "prompts": list(prompts),
            "completions": list(completions),
            "tokens": [len(c) for c in completion_ids],
            "reference": list(kw["reference"]),
        }
    )
    return [0.0] * len(completions)


@pytest.fixture(scope="module")
def service() -> Iterator[RunningServer]:
    server = start_server({"REWARD_SERVER_WORKERS": "1", "REWARD_SERVER_QUARANTINE_WORKERS": "0"})
    yield server
    stop_server(server)


def line(a: int, b: int, answer: int) -> str:
    return f"What is {a} + {b}? <think>{a} plus {b} is {answer}</think><answer>{answer}</answer><|endoftext|>"


def tiny_tokenizer() -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    lines = [line(a, b, a + b) for a in range(20) for b in range(20)]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=400, special_tokens=["<|endoftext|>"]))
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>", pad_token="<|endoftext|>")


def tiny_model(vocab_size: int) -> Any:
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(
        vocab_size=vocab_size,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
    )
    return Qwen2ForCausalLM(config)


def warm_up(model: Any, tokenizer: Any) -> None:
    """A few seconds of supervised steps so completions carry tags and (sometimes right) answers.

    Half the lines have a wrong sum, so accuracy varies instead of being all 0 or all 1.
    """
    import torch

    texts = [line(a, b, a + b if (a * b) % 2 else a * b) for a in range(12) for b in range(12)]
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    labels = batch["input_ids"].masked_fill(batch["attention_mask"] == 0, -100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(120):
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def expected_means(service_url: str, batch: dict[str, Any]) -> dict[str, float]:
    """Score a recorded batch ourselves (items built by hand, not by the adapter) and average as TRL does."""
    groups: dict[str, int] = {}
    items = []
    for p, c, n, ref in zip(
        batch["prompts"], batch["completions"], batch["tokens"], batch["reference"], strict=True
    ):
        item = {
            "prompt": p,
            "completion": c,
            "completion_tokens": n,
            "group": groups.setdefault(p, len(groups)),
        }
        if ref is not None:
            item["reference"] = ref
        items.append(item)
    with RewardClient(service_url) as client:
        results = client.score(items, SPEC)
    means: dict[str, float] = {}
    for name in SPEC:
        values = [r.components[name] for r in results if r.components[name] is not None]
        means[name] = sum(values) / len(values) if values else math.nan
    means["reward"] = sum(r.reward for r in results) / len(results)
    return means


def test_grpo_trainer_logs_the_service_rewards(service: RunningServer, tmp_path: Any) -> None:
    pytest.importorskip("trl")
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    tokenizer = tiny_tokenizer()
    rows = [
        {"prompt": f"What is {a} + {b}?", "reference": str(a + b)}
        for a, b in [(1, 2), (3, 4), (5, 6), (7, 8)]
    ]
    rows += [{"prompt": "What is 9 + 9?", "reference": None}]  # accuracy null → None → left out of the means
    rewards = ServiceRewards(SPEC, service.url)
    args = GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=3,
        per_device_train_batch_size=4,
        num_generations=2,
        max_completion_length=24,
        learning_rate=1e-3,
        logging_steps=1,
        bf16=False,
        use_vllm=False,
        report_to="none",
        save_strategy="no",
        activation_checkpointing=False,
        seed=0,
        dataloader_pin_memory=False,
        reward_weights=[*rewards.weights, 0.0],
        dataloader_num_workers=0,
    )
    model = tiny_model(len(tokenizer))
    warm_up(model, tokenizer)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[*rewards.funcs, record],
        args=args,
        train_dataset=Dataset.from_list(rows * 4),
        processing_class=tokenizer,
    )
    RECORDED.clear()
    trainer.train()

    logs = [entry for entry in trainer.state.log_history if "rewards/accuracy/mean" in entry]
    assert len(logs) >= 2 and len(logs) == len(RECORDED)
    for entry, batch in zip(logs, RECORDED, strict=True):
        expected = expected_means(service.url, batch)
        for name in SPEC:
            got = entry[f"rewards/{name}/mean"]
            assert (math.isnan(got) and math.isnan(expected[name])) or got == pytest.approx(
                expected[name], abs=1e-5
            ), (
                name,
                entry,
                expected,
            )
        assert entry["reward"] == pytest.approx(expected["reward"], abs=1e-5)
        assert "rewards/record/mean" in entry
    # The rewards were not all trivial, and the null path was exercised: some batch mixed a row without a reference with scored rows.
    assert any(e["rewards/format/mean"] > 0 and e["rewards/overlong/mean"] != 0 for e in logs)
    assert any(None in b["reference"] and any(r is not None for r in b["reference"]) for b in RECORDED)
