"""OpenRLHF: the request/response shapes of its reward URL, and its local ``reward_func``.

OpenRLHF (``--reward.remote_url``, ``--remote_rm_url`` before v0.10.2) POSTs
``{"query": [...], "prompts": [...], "labels": [...]}``, where a query is the prompt and
the response decoded *with* special tokens, and reads ``{"rewards", "scores",
"extra_logs"}``. The service answers it at ``POST /compat/openrlhf``; the helpers here do
the trainer-specific work for that endpoint and for the local form:

* :func:`split_response` recovers the response from a query and strips special tokens
  (``<|im_end|>``, ``<｜end▁of▁sentence｜>``, ``</s>``, ``<eos>``... but never ``<think>``
  or ``<answer>``, which are ordinary text for us);
* :func:`items_from_openrlhf` builds our items (a label that is a test description means
  code);
* :func:`to_openrlhf` shapes results: every value a list with one entry per sample
  (OpenRLHF concatenates them across servers; mixing lists and scalars breaks that), a
  component the service could not score is ``0.0`` and ``extra_logs["error"]`` is ``1.0``.

Local form: a value of ``--reward.remote_url`` ending in ``.py`` is loaded as a module and
its ``reward_func(queries, prompts, labels)`` is called in a thread. A file containing
``from reward_server.adapters.openrlhf import reward_func`` makes that function call the
service (``REWARD_SERVER_URL``, ``REWARD_SERVER_COMPONENTS``, ``REWARD_SERVER_TASK``,
``REWARD_SERVER_LANGUAGE`` configure it).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.adapters import ERROR_KEY, env_components, flat_scores, label_to_reference
from reward_server.client import RewardClient, ScoreResult

__all__ = ["items_from_openrlhf", "reward_func", "split_response", "strip_special_tokens", "to_openrlhf"]

# Chat-template and end-of-sequence markers of the common tokenizers. Angle-bracket tags
# without pipes (``<think>``, ``<answer>``) are left alone unless listed here.
_SPECIAL_TOKEN = re.compile(
    r"<\|[^<>|\s]{1,64}\|>"  # <|im_end|>, <|endoftext|>, <|eot_id|>, <|start_header_id|>
    r"|<｜[^<>｜]{1,64}｜>"  # <｜end▁of▁sentence｜>, <｜Assistant｜>
    r"|</?s>|<(?:pad|unk|eos|bos|mask|end_of_turn|start_of_turn|eot)>"
    r"|\[(?:PAD|CLS|SEP|UNK|MASK|BOS|EOS)\]"
)


def strip_special_tokens(text: str) -> str:
    return _SPECIAL_TOKEN.sub("", text)


def split_response(query: str, prompt: str) -> str:
    """The response part of ``query`` (= prompt + response), special tokens removed.

    The prompt is normally a prefix of the query; a tokenizer round trip can add a BOS
    marker in front or change special tokens, so the prompt is also looked for inside the
    query, then both are compared without special tokens, and as a last resort the query
    is cut after its longest common prefix with the prompt.
    """
    if query.startswith(prompt):
        return strip_special_tokens(query[len(prompt) :])
    at = query.find(prompt) if prompt else -1
    if at >= 0:
        return strip_special_tokens(query[at + len(prompt) :])
    clean_query, clean_prompt = strip_special_tokens(query), strip_special_tokens(prompt)
    if clean_query.startswith(clean_prompt):
        return clean_query[len(clean_prompt) :]
    common = 0
    for a, b in zip(clean_query, clean_prompt):
        if a != b:
            break
        common += 1
    return clean_query[common:]


def items_from_openrlhf(
    query: Sequence[str],
    prompts: Sequence[str] | None,
    labels: Sequence[Any] | None,
    *,
    task: str | None = None,
    language: str | None = None,
) -> list[dict[str, Any]]:
    """Our items for one OpenRLHF request (lists may be empty; missing prompts/labels are ``None``)."""
    items: list[dict[str, Any]] = []
    for i, q in enumerate(query):
        prompt = prompts[i] if prompts is not None and i < len(prompts) else ""
        label = labels[i] if labels is not None and i < len(labels) else None
        item_task, reference = label_to_reference(label, task)
        item: dict[str, Any] = {
            "completion": split_response(q, prompt or ""),
            "prompt": strip_special_tokens(prompt or ""),
            "task": item_task,
        }
        if reference is not None:
            item["reference"] = reference
        if language:
            item["language"] = language
        items.append(item)
    return items


def to_openrlhf(results: Sequence[ScoreResult], names: Sequence[str] = ()) -> dict[str, Any]:
    """``{"rewards": [...], "scores": [...], "extra_logs": {component: [...], "error": [...]}}``.

    ``names`` fixes the ``extra_logs`` keys for an empty batch (every server must answer
    the same keys, or OpenRLHF's concatenation of the logs breaks).
    """
    rewards = [float(r.reward) for r in results]
    logs: dict[str, list[float]] = {name: [] for name in names}
    logs.setdefault(ERROR_KEY, [])
    for r in results:
        for name, value in flat_scores(r.components, r.error).items():
            logs.setdefault(name, []).append(value)
    return {"rewards": rewards, "scores": list(rewards), "extra_logs": logs}


_client_lock = threading.Lock()
_client: RewardClient | None = None


def _shared_client() -> RewardClient:
    global _client
    with _client_lock:
        if _client is None:
            _client = RewardClient()  # REWARD_SERVER_URL, REWARD_SERVER_API_KEY
        return _client


def reward_func(
    queries: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF's local reward function form, scoring through the service over HTTP."""
    components: Mapping[str, Any] | None = kwargs.get("components") or env_components()
    items = items_from_openrlhf(
        queries,
        prompts,
        labels,
        task=kwargs.get("task") or os.environ.get("REWARD_SERVER_TASK") or None,
        language=kwargs.get("language") or os.environ.get("REWARD_SERVER_LANGUAGE") or None,
    )
    results = _shared_client().score(items, components) if items else []
    return to_openrlhf(results, list(components or {}))
