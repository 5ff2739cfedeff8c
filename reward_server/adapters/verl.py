"""verl's ``custom_reward_function`` backed by the service.

verl (v0.7.1+, reward loop) calls ``compute_score`` once per sample, with keywords
``data_source``, ``solution_str`` (the response only, special tokens removed),
``ground_truth`` (``reward_model.ground_truth`` of the row) and ``extra_info``, plus the
``reward.custom_reward_function.reward_kwargs`` of the config. An ``async def`` is awaited
on the reward loop's event loop; verl's docs recommend exactly that for remote scoring.

* :func:`compute_score` (async): the concurrent per-sample calls are coalesced into one
  ``/v1/score`` request (a few milliseconds' window), each sample scored as its own group;
* :func:`compute_score_sync`: the blocking form, for a sync-only setup (verl runs sync
  functions in a thread pool);
* :func:`compute_score_batch`: the legacy ``batch`` reward manager's form
  (``data_sources, solution_strs, ground_truths, extra_infos`` → a list), one request.

Each returns ``{"score": reward, <component>: score, ..., "error": 0.0 | 1.0}`` with the
same keys for every sample (verl makes a column of each key). verl needs numbers, so a
component the service could not score is ``0.0`` and ``error`` is ``1.0``. An unreachable
service (after the client's retries) raises: verl then fails the batch instead of training
on made-up rewards.

Data sources and ground truths map to our items by :func:`item_from_verl`: code sources
(``codecontests``, ``apps``, ``codeforces``, ``taco``, ...) and any ground truth that is a
test description (``{"inputs", "outputs", "fn_name"?}``, ``{"assert_case": [...]}``, as an
object or a JSON string) become ``task: "code"``; everything else (GSM8K's ``72`` or
``#### 72``, MATH's LaTeX answers, DAPO/AIME answers) is math.

``reward_kwargs`` understood: ``url`` (one or comma-separated, default
``REWARD_SERVER_URL``), ``components`` (a spec object or ``"accuracy:1,format:0.5"``,
default ``REWARD_SERVER_COMPONENTS`` then the service's default), ``api_key``, ``task``,
``language``, ``think_opened`` (the chat template opens ``<think>``), ``timeout``,
``max_retries``. Other keywords (verl's ``reward_router_address``...) are ignored.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.adapters import env_components, flat_scores, label_to_reference, parse_components
from reward_server.client import AsyncRewardClient, RewardClient, ScoreResult

__all__ = ["CODE_SOURCES", "compute_score", "compute_score_batch", "compute_score_sync", "item_from_verl"]

# verl's bundled scorers send these data sources to a code sandbox.
CODE_SOURCES = ("codecontests", "apps", "codeforces", "taco", "livecodebench", "humaneval", "mbpp", "code")

_clients_lock = threading.Lock()
_sync_clients: dict[tuple[Any, ...], RewardClient] = {}
_async_clients: dict[tuple[Any, ...], AsyncRewardClient] = {}


def _is_code_source(data_source: str) -> bool:
    source = data_source.lower().rsplit("/", 1)[-1]
    return any(source == s or source.startswith((s + "_", s + "-")) for s in CODE_SOURCES)


def _plain(value: Any) -> Any:
    """numpy scalars/arrays (verl's non-tensor batch) to plain Python."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def item_from_verl(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    *,
    task: str | None = None,
    language: str | None = None,
    think_opened: bool = False,
) -> dict[str, Any]:
    """Our item for one verl sample (``task``, ``reference``, ``language``; ``<think>`` opened)."""
    extra = dict(extra_info or {})
    ground_truth = _plain(ground_truth)
    wanted = task or extra.get("task") or ("code" if _is_code_source(str(data_source)) else None)
    task_name, reference = label_to_reference(ground_truth, wanted)
    item: dict[str, Any] = {
        "completion": str(solution_str),
        "task": task_name,
        "data_source": str(data_source),
    }
    if reference is not None:
        item["reference"] = reference
    lang = language or extra.get("language")
    if lang:
        item["language"] = str(lang)
    if think_opened:
        item["prompt"] = "<think>\n"
    return item


def _spec(components: Any) -> Mapping[str, Any] | None:
    if components is None:
        return env_components()
    if isinstance(components, str):
        return parse_components(components)
    return {str(k): _plain(v) if not isinstance(v, Mapping) else dict(v) for k, v in dict(components).items()}


def _client_key(url: Any, api_key: Any, timeout: Any, max_retries: Any) -> tuple[Any, ...]:
    urls = tuple(url) if isinstance(url, list | tuple) else url
    return (urls, api_key, timeout, max_retries)


def _options(api_key: Any, timeout: Any, max_retries: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"api_key": api_key}
    if timeout is not None:
        options["timeout"] = float(timeout)
    if max_retries is not None:
        options["max_retries"] = int(max_retries)
    return options


def _async_client(url: Any, api_key: Any, timeout: Any, max_retries: Any) -> AsyncRewardClient:
    key = _client_key(url, api_key, timeout, max_retries)
    with _clients_lock:
        client = _async_clients.get(key)
        if client is None:
            client = AsyncRewardClient(url, **_options(api_key, timeout, max_retries))
            _async_clients[key] = client
        return client


def _sync_client(url: Any, api_key: Any, timeout: Any, max_retries: Any) -> RewardClient:
    key = _client_key(url, api_key, timeout, max_retries)
    with _clients_lock:
        client = _sync_clients.get(key)
        if client is None:
            client = RewardClient(url, **_options(api_key, timeout, max_retries))
            _sync_clients[key] = client
        return client


def to_verl(result: ScoreResult) -> dict[str, float]:
    """``{"score", <components>, "error"}``: numbers only, null → 0.0 with ``error`` = 1.0."""
    return {"score": float(result.reward), **flat_scores(result.components, result.error)}


async def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    *,
    url: str | Sequence[str] | None = None,
    components: Any = None,
    api_key: str | None = None,
    task: str | None = None,
    language: str | None = None,
    think_opened: bool = False,
    timeout: float | None = None,
    max_retries: int | None = None,
    **_: Any,
) -> dict[str, float]:
    """verl's async reward function: one sample, coalesced with its concurrent peers."""
    item = item_from_verl(
        data_source,
        solution_str,
        ground_truth,
        extra_info,
        task=task,
        language=language,
        think_opened=think_opened,
    )
    client = _async_client(url, api_key, timeout, max_retries)
    return to_verl(await client.score_one(item, _spec(components)))


def compute_score_sync(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    *,
    url: str | Sequence[str] | None = None,
    components: Any = None,
    api_key: str | None = None,
    task: str | None = None,
    language: str | None = None,
    think_opened: bool = False,
    timeout: float | None = None,
    max_retries: int | None = None,
    **_: Any,
) -> dict[str, float]:
    """The blocking form (one request per sample); prefer :func:`compute_score`."""
    item = item_from_verl(
        data_source,
        solution_str,
        ground_truth,
        extra_info,
        task=task,
        language=language,
        think_opened=think_opened,
    )
    [result] = _sync_client(url, api_key, timeout, max_retries).score([item], _spec(components))
    return to_verl(result)


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Mapping[str, Any] | None] | None = None,
    *,
    url: str | Sequence[str] | None = None,
    components: Any = None,
    api_key: str | None = None,
    task: str | None = None,
    language: str | None = None,
    think_opened: bool = False,
    timeout: float | None = None,
    max_retries: int | None = None,
    **_: Any,
) -> list[dict[str, float]]:
    """verl's legacy ``batch`` reward manager form: the whole batch in one request.

    Samples of one prompt (same ``data_source`` and ``extra_info["index"]``, which verl's
    preprocessing scripts set) form one group for group-relative components.
    """
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    items = []
    for source, solution, truth, info in zip(data_sources, solution_strs, ground_truths, infos, strict=True):
        item = item_from_verl(
            source, solution, truth, info, task=task, language=language, think_opened=think_opened
        )
        index = (info or {}).get("index")
        if index is not None:
            item["group"] = f"{source}/{_plain(index)}"
        items.append(item)
    results = _sync_client(url, api_key, timeout, max_retries).score(items, _spec(components))
    return [to_verl(r) for r in results]
