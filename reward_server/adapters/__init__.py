"""Trainer adapters: what each RL trainer needs to call the service without glue code.

* :mod:`reward_server.adapters.trl` – reward functions for TRL's ``GRPOTrainer``;
* :mod:`reward_server.adapters.verl` – ``compute_score`` for verl's ``custom_reward_function``;
* :mod:`reward_server.adapters.openrlhf` – OpenRLHF's local ``reward_func`` and the helpers
  behind ``POST /compat/openrlhf`` (slime's ``POST /compat/slime`` uses the helpers here).

This package imports only the standard library and :mod:`reward_server.client` (httpx): a
trainer environment does not need the service's dependencies, nor the trainer's own
packages (they are never imported here). The helpers below are shared by the adapters and
the compat endpoints, so a label means the same thing whichever way it arrives.

How a null component or an unscored item maps (documented per trainer in ``docs/trainers``):

* TRL: ``None`` (TRL's "not applicable": NaN, left out of the means);
* verl, OpenRLHF, slime: a number is required, so ``0.0``, plus an ``error`` flag of 1.0.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

__all__ = [
    "CODE_KEYS",
    "ERROR_KEY",
    "env_components",
    "flat_scores",
    "label_to_reference",
    "parse_components",
]

# Keys that mark a reference as a code test description (see verifiers/code/references.py).
CODE_KEYS = frozenset(
    {"inputs", "outputs", "fn_name", "input_output", "assert_case", "asserts", "tests", "test_cases", "test"}
)
# The flag key every numeric adapter adds: 1.0 when something could not be scored.
ERROR_KEY = "error"


def _as_code_tests(value: Any) -> dict[str, Any] | list[Any] | None:
    """The test description if ``value`` is one (an object, or the JSON string datasets store)."""
    if isinstance(value, str):
        text = value.strip()
        if not text.startswith("{"):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
    if isinstance(value, Mapping) and CODE_KEYS & set(value):
        return dict(value)
    return None


def label_to_reference(label: Any, task: str | None = None) -> tuple[str, Any]:
    """``(task, reference)`` for a dataset label.

    A label that is a JSON object (or its string) with test keys means code; anything else
    is a math reference, passed as is (the service reads ``#### 18``, ``\\boxed{}``, numbers).
    An explicit ``task`` wins, except that a code label is never sent as math.
    """
    tests = _as_code_tests(label)
    if tests is not None:
        return "code", tests
    if task == "code" and isinstance(label, list):
        return "code", label  # a bare list of assert strings
    return (task or "math"), label


def parse_components(text: str) -> dict[str, float]:
    """``"accuracy:1,format:0.5,language"`` → ``{"accuracy": 1.0, "format": 0.5, "language": 1.0}``."""
    spec: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, weight = part.partition(":")
        name = name.strip()
        if not name:
            raise ValueError(f"empty component name in {text!r}")
        try:
            spec[name] = float(weight) if weight.strip() else 1.0
        except ValueError:
            raise ValueError(f"component {name!r}: weight {weight!r} is not a number") from None
    return spec


def env_components(default: Mapping[str, Any] | None = None) -> Mapping[str, Any] | None:
    """Components from ``REWARD_SERVER_COMPONENTS`` (``name:weight,...`` or a JSON object)."""
    raw = os.environ.get("REWARD_SERVER_COMPONENTS", "").strip()
    if not raw:
        return default
    if raw.startswith("{"):
        spec: Mapping[str, Any] = json.loads(raw)
        return spec
    return parse_components(raw)


def flat_scores(components: Mapping[str, float | None], error: bool) -> dict[str, float]:
    """Per-component numbers for trainers that need numbers: null → 0.0, plus the error flag."""
    out = {name: 0.0 if score is None else float(score) for name, score in components.items()}
    out[ERROR_KEY] = 1.0 if error else 0.0
    return out
