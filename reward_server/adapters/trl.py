"""Reward functions for TRL's ``GRPOTrainer`` that call the service.

TRL calls each reward function with the whole batch, as keywords: ``prompts``,
``completions``, ``completion_ids``, every dataset column (a list aligned with the batch),
``trainer_state``, ``log_extra``, ``log_metric``. It logs each function under its
``__name__`` (``rewards/<name>/mean``) and weights them with ``reward_weights``.

:class:`ServiceRewards` turns one component spec into one reward function per component
(named after the component, so each appears in TRL's logs under its own name) and the
matching weights. All of them share one scorer: the first function called for a batch
sends **one** request with the whole spec, the others read their column from that answer
(async functions, which TRL runs concurrently, await the same in-flight request).

Each function returns the component's **unweighted** score; TRL multiplies by
``reward_weights`` (= the spec's weights), so TRL's ``reward`` equals the service's. A
component the service could not score is ``None``: TRL's "not applicable" (NaN, left out
of the means).

The functions are picklable (TRL's async GRPO variant sends them to a child process): the
HTTP client and the caches are rebuilt after unpickling. This module imports neither TRL
nor torch.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.adapters import label_to_reference
from reward_server.client import AsyncRewardClient, RewardClient, RewardClientError, ScoreResult, encode_body

__all__ = ["AsyncComponentReward", "ComponentReward", "ServiceRewards", "items_from_batch", "reward_funcs"]

# Keywords TRL passes that are not dataset columns (and are not JSON).
_RUNTIME_KWARGS = frozenset(
    {"prompts", "completions", "completion_ids", "trainer_state", "log_extra", "log_metric", "environments"}
)
# Dataset columns tried, in order, as the reference when ``reference_column`` is not given.
REFERENCE_COLUMNS = ("reference", "answer", "ground_truth", "solution")
_CACHED_BATCHES = 4


def _jsonable_column(values: Sequence[Any]) -> bool:
    try:
        json.dumps(list(values[:1]), default=_numpy_default)
    except (TypeError, ValueError):
        return False
    return True


def _numpy_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(type(value).__name__)


def _message_list(value: Any) -> Any:
    """TRL's conversational completions/prompts are lists of ``{"role", "content"}`` dicts."""
    if isinstance(value, list):
        return [dict(m) for m in value]
    return value


def items_from_batch(
    prompts: Sequence[Any] | None,
    completions: Sequence[Any],
    completion_ids: Sequence[Sequence[int]] | None = None,
    columns: Mapping[str, Sequence[Any]] | None = None,
    reference_column: str | None = None,
) -> list[dict[str, Any]]:
    """Items for ``/v1/score`` from one TRL batch.

    Completions are strings or message lists (both accepted by the service); ``group`` is
    the prompt's index among the batch's distinct prompts (TRL repeats each prompt
    ``num_generations`` times), unless the dataset has a ``group`` column; lengths come
    from ``completion_ids``; the reference column is renamed ``reference`` and a code test
    description sets ``task: "code"``; every other JSON-able column is passed through.
    """
    columns = dict(columns or {})
    ref_name = reference_column or next((c for c in REFERENCE_COLUMNS if c in columns), None)
    references = columns.pop(ref_name) if ref_name is not None and ref_name in columns else None
    passthrough = {k: v for k, v in columns.items() if k not in _RUNTIME_KWARGS and _jsonable_column(v)}
    groups: dict[str, int] = {}
    items: list[dict[str, Any]] = []
    for i, completion in enumerate(completions):
        item: dict[str, Any] = {name: values[i] for name, values in passthrough.items()}
        item["completion"] = _message_list(completion)
        if prompts is not None:
            item["prompt"] = _message_list(prompts[i])
            if "group" not in item:
                key = json.dumps(item["prompt"], sort_keys=True, default=str)
                item["group"] = groups.setdefault(key, len(groups))
        if completion_ids is not None:
            item["completion_tokens"] = len(completion_ids[i])
        task, reference = label_to_reference(None if references is None else references[i], item.get("task"))
        item["task"] = task
        if reference is not None:
            item["reference"] = reference
        items.append(item)
    return items


class _Scorer:
    """Shared by the component functions of one :class:`ServiceRewards`: one request per batch."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        base_url: str | Sequence[str] | None,
        reference_column: str | None,
        raise_on_error: bool,
        client_options: Mapping[str, Any],
    ) -> None:
        self.spec = dict(spec)
        self.base_url = base_url
        self.reference_column = reference_column
        self.raise_on_error = raise_on_error
        self.client_options = dict(client_options)
        self._init_runtime()

    def _init_runtime(self) -> None:
        self._lock = threading.Lock()
        self._client: RewardClient | None = None
        self._aclient: AsyncRewardClient | None = None
        self._done: OrderedDict[str, list[ScoreResult] | None] = OrderedDict()
        self._inflight: dict[
            str, tuple[asyncio.AbstractEventLoop, asyncio.Future[list[ScoreResult] | None]]
        ] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._init_runtime()

    def _items_and_key(self, kwargs: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
        columns = {k: v for k, v in kwargs.items() if k not in _RUNTIME_KWARGS}
        items = items_from_batch(
            kwargs.get("prompts"),
            kwargs["completions"],
            kwargs.get("completion_ids"),
            columns,
            self.reference_column,
        )
        key = hashlib.sha256(encode_body(items, self.spec)).hexdigest()
        return items, key

    def _remember(self, key: str, results: list[ScoreResult] | None) -> None:
        self._done[key] = results
        while len(self._done) > _CACHED_BATCHES:
            self._done.popitem(last=False)

    def _failed(self, key: str, exc: RewardClientError) -> None:
        """Stop training (the default), or remember the batch as unscored (``None`` rewards)."""
        if self.raise_on_error:
            raise exc
        self._remember(key, None)

    @staticmethod
    def _log(kwargs: Mapping[str, Any], results: list[ScoreResult]) -> None:
        log_metric = kwargs.get("log_metric")
        if callable(log_metric) and results:
            log_metric("reward_server/unscored", sum(r.error for r in results) / len(results))

    def score(self, kwargs: Mapping[str, Any]) -> list[ScoreResult] | None:
        items, key = self._items_and_key(kwargs)
        with self._lock:
            if key in self._done:
                return self._done[key]
            if self._client is None:
                self._client = RewardClient(self.base_url, **self.client_options)
            try:
                results = self._client.score(items, self.spec)
            except RewardClientError as exc:
                self._failed(key, exc)
                return None
            self._remember(key, results)
        self._log(kwargs, results)
        return results

    async def ascore(self, kwargs: Mapping[str, Any]) -> list[ScoreResult] | None:
        items, key = self._items_and_key(kwargs)
        loop = asyncio.get_running_loop()
        with self._lock:
            if key in self._done:
                return self._done[key]
            inflight = self._inflight.get(key)
            owner = inflight is None or inflight[0] is not loop
            if owner:
                future: asyncio.Future[list[ScoreResult] | None] = loop.create_future()
                self._inflight[key] = (loop, future)
                if self._aclient is None:
                    self._aclient = AsyncRewardClient(self.base_url, **self.client_options)
                client = self._aclient
            else:
                assert inflight is not None
                future = inflight[1]
        if not owner:
            return await future
        try:
            results = await client.score(items, self.spec)
        except RewardClientError as exc:
            future.set_result(None)  # the other components of this batch get None
            with self._lock:
                self._inflight.pop(key, None)
                self._failed(key, exc)
            return None
        with self._lock:
            self._remember(key, results)
            self._inflight.pop(key, None)
        future.set_result(results)
        self._log(kwargs, results)
        return results


def _column(results: list[ScoreResult] | None, name: str, n: int) -> list[float | None]:
    if results is None:
        return [None] * n
    return [r.components.get(name) for r in results]


class ComponentReward:
    """A synchronous TRL reward function for one component (``__name__`` = the component)."""

    def __init__(self, scorer: _Scorer, name: str) -> None:
        self.scorer = scorer
        self.component = name
        self.__name__ = name

    def __call__(self, **kwargs: Any) -> list[float | None]:
        return _column(self.scorer.score(kwargs), self.component, len(kwargs["completions"]))


class AsyncComponentReward:
    """An async TRL reward function for one component; TRL runs these concurrently."""

    def __init__(self, scorer: _Scorer, name: str) -> None:
        self.scorer = scorer
        self.component = name
        self.__name__ = name

    async def __call__(self, **kwargs: Any) -> list[float | None]:
        return _column(await self.scorer.ascore(kwargs), self.component, len(kwargs["completions"]))


class ServiceRewards:
    """One reward function per component of ``components``, all served by one request per batch.

    ``components`` is a ``/v1/score`` spec (default: R1's ``accuracy`` + ``format``).
    Pass ``funcs`` as ``reward_funcs`` and ``weights`` as ``GRPOConfig.reward_weights``.
    ``asynchronous`` (default) makes async functions over httpx.AsyncClient; ``False``
    gives blocking ones. ``raise_on_error=False`` turns an unreachable service into
    ``None`` rewards instead of stopping training. Other keywords go to the client
    (``api_key``, ``timeout``, ``max_retries``, ``max_batch_size``...).
    """

    def __init__(
        self,
        components: Mapping[str, Any] | None = None,
        base_url: str | Sequence[str] | None = None,
        *,
        reference_column: str | None = None,
        asynchronous: bool = True,
        raise_on_error: bool = True,
        name_prefix: str = "",
        **client_options: Any,
    ) -> None:
        spec = dict(components) if components is not None else {"accuracy": 1.0, "format": 1.0}
        if not spec:
            raise ValueError("at least one component is needed")
        self.spec = spec
        self.scorer = _Scorer(spec, base_url, reference_column, raise_on_error, client_options)
        kind = AsyncComponentReward if asynchronous else ComponentReward
        self.funcs: list[ComponentReward | AsyncComponentReward] = []
        for name in spec:
            func = kind(self.scorer, name)
            func.__name__ = name_prefix + name
            self.funcs.append(func)
        self.weights = [_weight(v) for v in spec.values()]


def _weight(entry: Any) -> float:
    if isinstance(entry, Mapping):
        return float(entry.get("weight", 1.0))
    return float(entry)


def reward_funcs(
    components: Mapping[str, Any] | None = None, base_url: str | Sequence[str] | None = None, **options: Any
) -> tuple[list[ComponentReward | AsyncComponentReward], list[float]]:
    """``(reward_funcs, reward_weights)`` for ``GRPOTrainer`` / ``GRPOConfig`` (see :class:`ServiceRewards`)."""
    rewards = ServiceRewards(components, base_url, **options)
    return rewards.funcs, rewards.weights
