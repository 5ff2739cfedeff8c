"""Score a tiny rollout batch with our verl adapter inside verl's own reward machinery.

Run with the interpreter of the verl venv (``scripts/verl-venv.sh``), not the test
suite's: verl 0.9.1 needs transformers < 5.11, the main environment has TRL with 5.24.
``tests/integration/test_verl_reward_manager.py`` runs it with ``REWARD_SERVER_URL`` set
and ``PYTHONPATH`` at the checkout, and compares what it prints with the service.

Nothing of verl is imitated here: the config is verl's own ``ppo_trainer`` composed by
Hydra with the command-line overrides ``docs/trainers/verl.md`` tells users to type; the
reward file is the one-line re-export the docs show, loaded by verl's loader
(``get_custom_reward_fn`` via ``load_reward_manager``); the tokenizer is loaded by verl's
``hf_tokenizer`` from a directory, as a worker loads the model's. The paths:

* ``reward-loop``: verl's ``RewardLoopWorker`` (the class the trainer runs as a Ray actor)
  built in this process; its ``compute_score_batch`` drives the reward loop's
  ``NaiveRewardManager.run_single`` for every sample concurrently, awaiting our async
  ``compute_score``; the token-level tensor is the manager class's ``assemble_rm_scores``.
* ``ray``: verl's ``RewardLoopManager`` as the trainer creates it, with Ray actors
  (``reward.num_workers`` of them) and ``compute_rm_score``, read back with verl's
  ``extract_reward``: the reward file is imported inside the actor processes.
* ``legacy-naive`` / ``legacy-batch``: the older ``verl.workers.reward_manager``
  ``naive`` (sync, per sample: ``compute_score_sync``) and ``batch`` (one call per batch:
  ``compute_score_batch``) managers, called as ``manager(data, return_dict=True)``.

Output (stdout, one JSON object): the samples, and per path the per-sample score, the
token-level reward row sums and the value at the last response token, and verl's
``reward_extra_info`` columns.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

PATHS = ("reward-loop", "ray", "legacy-naive", "legacy-batch")
EOS = "<|endoftext|>"

# (data_source, prompt, response, ground_truth): what verl's preprocessing scripts produce
# (GSM8K keeps "#### 72" style answers in some pipelines, MATH keeps the LaTeX answer).
SAMPLES: list[tuple[str, str, str, str]] = [
    (
        "openai/gsm8k",
        "Natalia sold 48 clips in April and half as many in May. How many in total?",
        "<think>48 / 2 = 24, and 48 + 24 = 72.</think><answer>72</answer>",
        "#### 72",
    ),
    (
        "lighteval/MATH",
        "What is 2/4 in lowest terms?",
        "<think>Divide both by 2.</think><answer>$\\frac{1}{2}$</answer>",
        "\\frac{1}{2}",
    ),
    (
        "openai/gsm8k",
        "A book costs 35 and a pen 37. What do both cost?",
        "<think>35 + 37 = 70.</think><answer>70</answer>",
        "72",
    ),
    (
        "HuggingFaceH4/MATH-500",
        "How many sides does a triangle have?",
        "I am not sure, let me think about something else",
        "3",
    ),
]


def build_tokenizer(directory: Path) -> Any:
    """A byte-level BPE trained on the samples, saved where verl's ``hf_tokenizer`` loads it.

    No model hub is reachable here; byte-level BPE decodes any text back exactly, so the
    string verl hands to ``compute_score`` is the response we wrote. ``<think>`` and
    ``<answer>`` stay ordinary text: verl decodes with ``skip_special_tokens=True``.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    lines = [p + " " + r for _, p, r, _ in SAMPLES] * 4
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=300, special_tokens=[EOS]))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS, pad_token=EOS)
    fast.save_pretrained(directory)
    return fast


def build_batch(tokenizer: Any) -> Any:
    """A rollout batch as verl's trainer hands it to the reward loop.

    Tensors: ``prompts`` (left-padded), ``responses`` (right-padded, ending in EOS),
    ``input_ids``, ``attention_mask`` over prompt + response, ``position_ids``.
    Non-tensors: ``data_source``, ``reward_model`` (``ground_truth``), ``extra_info``
    (``split``, ``index``) and ``__num_turns__``, which the agent loop adds.
    """
    from verl import DataProto

    pad = tokenizer.pad_token_id
    prompts = [tokenizer.encode(p) for _, p, _, _ in SAMPLES]
    responses = [tokenizer.encode(r) + [tokenizer.eos_token_id] for _, _, r, _ in SAMPLES]
    for (_, _, text, _), ids in zip(SAMPLES, responses, strict=True):
        decoded = tokenizer.decode(ids, skip_special_tokens=True)
        if decoded != text:
            raise SystemExit(f"the tokenizer does not round-trip {text!r}: {decoded!r}")
    p_len = max(map(len, prompts))
    r_len = max(map(len, responses)) + 3  # some padding on every row
    prompt_ids = torch.tensor([[pad] * (p_len - len(p)) + p for p in prompts])
    prompt_mask = torch.tensor([[0] * (p_len - len(p)) + [1] * len(p) for p in prompts])
    response_ids = torch.tensor([r + [pad] * (r_len - len(r)) for r in responses])
    response_mask = torch.tensor([[1] * len(r) + [0] * (r_len - len(r)) for r in responses])
    attention_mask = torch.cat([prompt_mask, response_mask], dim=1)
    return DataProto.from_dict(
        tensors={
            "prompts": prompt_ids,
            "responses": response_ids,
            "input_ids": torch.cat([prompt_ids, response_ids], dim=1),
            "attention_mask": attention_mask,
            "position_ids": (attention_mask.cumsum(dim=1) - 1).clamp(min=0),
        },
        non_tensors={
            "data_source": np.array([s for s, _, _, _ in SAMPLES], dtype=object),
            "reward_model": np.array(
                [{"ground_truth": gt, "style": "rule"} for _, _, _, gt in SAMPLES], dtype=object
            ),
            "extra_info": np.array(
                [{"split": "train", "index": i} for i in range(len(SAMPLES))], dtype=object
            ),
            "__num_turns__": np.array([2] * len(SAMPLES), dtype=np.int32),
        },
    )


def compose_config(
    reward_file: Path, tokenizer_dir: Path, fn_name: str, components: str, workers: int
) -> Any:
    """verl's ``ppo_trainer`` config with the overrides our docs give for the command line."""
    import verl
    from hydra import compose, initialize_config_dir

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    overrides = [
        f"actor_rollout_ref.model.path={tokenizer_dir}",
        f"reward.num_workers={workers}",
        f"reward.custom_reward_function.path={reward_file}",
        f"reward.custom_reward_function.name={fn_name}",
        # the URL comes from REWARD_SERVER_URL (the adapter's default), so the Ray actors
        # must inherit it too; only the components go through reward_kwargs
        f"+reward.custom_reward_function.reward_kwargs.components='{components}'",
    ]
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return compose(config_name="ppo_trainer", overrides=overrides)


def plain(value: Any) -> Any:
    """numpy values (verl's non-tensor columns) to JSON-able Python."""
    return value.tolist() if hasattr(value, "tolist") else value


def summarise(data: Any, rewards: torch.Tensor, scores: list[float], extra: dict[str, Any]) -> dict[str, Any]:
    """Per-sample score; the token-level rewards' row sums and their value at the last valid
    response token (where verl puts an outcome reward); verl's extra columns."""
    prompt_len = data.batch["prompts"].shape[1]
    last = (data.batch["attention_mask"][:, prompt_len:].sum(dim=1) - 1).tolist()
    return {
        "scores": [float(s) for s in scores],
        "row_sums": rewards.sum(dim=1).tolist(),
        "last_token": last,
        "at_last_token": [float(rewards[i, j]) for i, j in enumerate(last)],
        "reward_extra_info": {k: [plain(v) for v in vals] for k, vals in extra.items()},
    }


def run_reward_loop(config: Any, data: Any) -> dict[str, Any]:
    """verl's ``RewardLoopWorker`` in this process (the actor class without Ray)."""
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.trainer.ppo.reward import resolve_reward_manager_cls

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the worker and its manager keep the current loop
    try:
        worker = RewardLoopWorker(config)
        outputs = loop.run_until_complete(worker.compute_score_batch(data))
    finally:
        loop.close()
    scores = [out["reward_score"] for out in outputs]
    rewards = resolve_reward_manager_cls(config).assemble_rm_scores(data, scores)
    extra: dict[str, list[Any]] = {}
    for out in outputs:
        for key, value in out.get("reward_extra_info", {}).items():
            extra.setdefault(key, []).append(value)
    return summarise(data, rewards, scores, extra) | {"manager": type(worker.reward_manager).__module__}


def run_ray(config: Any, data: Any) -> dict[str, Any]:
    """verl's ``RewardLoopManager`` with its Ray ``RewardLoopWorker`` actors."""
    import ray
    from verl.experimental.reward_loop import RewardLoopManager
    from verl.trainer.ppo.reward import extract_reward

    # address="local": a cluster of our own, never one someone else started on this machine
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        manager = RewardLoopManager(config)
        scored = manager.compute_rm_score(data)
    finally:
        ray.shutdown()
    rewards, extra = extract_reward(scored)
    scores = rewards.sum(dim=1).tolist()
    return summarise(data, rewards, scores, extra) | {"workers": len(manager.reward_loop_workers)}


def run_legacy(config: Any, data: Any, name: str) -> dict[str, Any]:
    """The ``verl.workers.reward_manager`` class ``name``, our function from verl's loader."""
    from verl.trainer.ppo.reward import get_custom_reward_fn
    from verl.utils.tokenizer import hf_tokenizer
    from verl.workers.reward_manager import get_reward_manager_cls

    tokenizer = hf_tokenizer(config.actor_rollout_ref.model.path)
    manager = get_reward_manager_cls(name)(
        tokenizer=tokenizer, num_examine=0, compute_score=get_custom_reward_fn(config)
    )
    out = manager(data, return_dict=True)
    rewards = out["reward_tensor"]
    extra = dict(out["reward_extra_info"])
    scores = [float(s) for s in extra["score"]] if "score" in extra else rewards.sum(dim=1).tolist()
    return summarise(data, rewards, scores, extra) | {"manager": type(manager).__module__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--paths", default=",".join(PATHS), help=f"comma-separated, of {PATHS}")
    parser.add_argument("--components", default="accuracy:1,format:0.5")
    args = parser.parse_args()
    if not os.environ.get("REWARD_SERVER_URL"):
        raise SystemExit("set REWARD_SERVER_URL")

    import transformers
    import verl

    with tempfile.TemporaryDirectory(prefix="verl-driver-") as tmp:
        root = Path(tmp)
        reward_file = root / "reward_fn.py"
        # exactly the file docs/trainers/verl.md tells users to write
        reward_file.write_text(
            "from reward_server.adapters.verl import compute_score, compute_score_batch, "
            "compute_score_sync  # noqa: F401\n"
        )
        tokenizer = build_tokenizer(root / "tokenizer")
        result: dict[str, Any] = {
            "verl": verl.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "python": ".".join(map(str, sys.version_info[:3])),
            "prefix": sys.prefix,
            "samples": [{"data_source": s, "response": r, "ground_truth": gt} for s, _, r, gt in SAMPLES],
            "paths": {},
        }
        for path in args.paths.split(","):
            fn_name = {"legacy-naive": "compute_score_sync", "legacy-batch": "compute_score_batch"}.get(
                path, "compute_score"
            )
            config = compose_config(reward_file, root / "tokenizer", fn_name, args.components, workers=2)
            data = build_batch(tokenizer)  # a fresh batch: verl writes into extra_info
            if path == "reward-loop":
                result["paths"][path] = run_reward_loop(config, data)
            elif path == "ray":
                result["paths"][path] = run_ray(config, data)
            elif path in ("legacy-naive", "legacy-batch"):
                result["paths"][path] = run_legacy(config, data, path.split("-", 1)[1])
            else:
                raise SystemExit(f"unknown path {path!r}; choose from {PATHS}")
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
