"""Python client of ``POST /v1/score``: :class:`RewardClient` and its async twin :class:`AsyncRewardClient`.

A trainer process needs only httpx (and the standard library) to use this module: it
imports nothing else from the project, so it works in a trainer's environment that never
installed the service's dependencies.

What the clients do for a caller:

* **batches**: ``score(items, components)`` answers one :class:`ScoreResult` per item, in
  item order; a batch larger than ``max_batch_size`` is split into chunks sent concurrently
  (items that share a ``group`` stay in one chunk, so group-relative components keep their
  meaning);
* **several base URLs**: each request starts at the next URL (round robin), and a retry
  moves on to the following one (fail over);
* **retries with backoff** on connection errors, timeouts, 5xx, 429; a 4xx is the caller's
  mistake and is raised at once;
* an **API key** sent as ``Authorization: Bearer <key>`` (or in another header);
* **coalescing** (async): :meth:`AsyncRewardClient.score_one` gathers the single-item calls
  made at the same time (verl calls its reward function once per sample, concurrently)
  into one request.

Exceptions::

    RewardClientError
     ├── RewardRequestError      the service refused the request (4xx); not retried
     └── RewardUnavailableError  no service answered after every retry (connection, 5xx)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "DEFAULT_URL",
    "UNSCORED_STATUSES",
    "AsyncRewardClient",
    "RewardClient",
    "RewardClientError",
    "RewardRequestError",
    "RewardUnavailableError",
    "ScoreResult",
]

DEFAULT_URL = "http://127.0.0.1:8000"
# Statuses of a component (or item) that could not be scored: the score is null.
UNSCORED_STATUSES = frozenset({"error", "sandbox_error", "invalid_reference", "unknown_task"})
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

Items = Sequence[Mapping[str, Any]]
Components = Mapping[str, Any] | None


class RewardClientError(Exception):
    """Base class of the client's errors."""


class RewardRequestError(RewardClientError):
    """The service refused the request (4xx: an unknown component, a malformed item, too many items)."""

    def __init__(self, status_code: int, message: str, body: Any = None) -> None:
        super().__init__(f"HTTP {status_code}: {message}")
        self.status_code = status_code
        self.message = message
        self.body = body


class RewardUnavailableError(RewardClientError):
    """Every try failed (connection errors, timeouts, 5xx) on every base URL."""


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """One item's result: the weighted ``reward``, the per-component scores (``None`` = unscored)."""

    reward: float
    components: Mapping[str, float | None]
    status: str
    id: str | int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> bool:
        """True when something could not be scored (a null component or an error status)."""
        return self.status in UNSCORED_STATUSES or any(v is None for v in self.components.values())

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScoreResult:
        return cls(
            reward=float(data["reward"]),
            components=dict(data.get("components") or {}),
            status=str(data.get("status", "ok")),
            id=data.get("id"),
            details=dict(data.get("details") or {}),
        )


def _jsonable(value: Any) -> Any:
    """``json.dumps`` fallback for numpy scalars and arrays (dataset columns often hold them)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"an item field of type {type(value).__name__} cannot be sent as JSON")


def encode_body(items: Items, components: Components) -> bytes:
    body: dict[str, Any] = {"items": list(items)}
    if components is not None:
        body["components"] = dict(components)
    return json.dumps(body, default=_jsonable, ensure_ascii=False).encode("utf-8")


def split_batch(items: Items, max_batch_size: int) -> list[list[int]]:
    """Indices of the chunks of a batch: whole groups packed together, ungrouped items in order.

    A group larger than ``max_batch_size`` gets a chunk of its own (the service scores it
    whole or refuses it); it is never cut, as that would change its group-relative scores.
    """
    if len(items) <= max_batch_size:
        return [list(range(len(items)))]
    units: dict[Any, list[int]] = {}
    for i, item in enumerate(items):
        group = item.get("group")
        key: Any = ("item", i) if group is None else ("group", str(group))
        units.setdefault(key, []).append(i)
    chunks: list[list[int]] = []
    current: list[int] = []
    for unit in units.values():
        if current and len(current) + len(unit) > max_batch_size:
            chunks.append(current)
            current = []
        current.extend(unit)
    if current:
        chunks.append(current)
    return chunks


def _urls(base_url: str | Sequence[str] | None) -> list[str]:
    if base_url is None:
        base_url = os.environ.get("REWARD_SERVER_URL", DEFAULT_URL)
    raw = base_url.split(",") if isinstance(base_url, str) else list(base_url)
    urls = [u.strip().rstrip("/") for u in raw if u.strip()]
    if not urls:
        raise ValueError("no base URL given")
    return urls


def _error_message(response: httpx.Response) -> tuple[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:500], None
    if isinstance(body, dict) and "message" in body:
        return str(body["message"]), body
    return response.text[:500], body


@dataclass
class _Settings:
    """What both clients share: where to send, how long to wait, how to retry."""

    urls: list[str]
    headers: dict[str, str]
    timeout: httpx.Timeout
    max_retries: int
    backoff: float
    backoff_max: float
    max_batch_size: int
    max_concurrency: int
    _next: Iterator[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(
        cls,
        base_url: str | Sequence[str] | None,
        *,
        api_key: str | None,
        api_key_header: str,
        timeout: float | httpx.Timeout,
        connect_timeout: float,
        max_retries: int,
        backoff: float,
        backoff_max: float,
        max_batch_size: int,
        max_concurrency: int,
        headers: Mapping[str, str] | None,
    ) -> _Settings:
        if max_batch_size < 1 or max_concurrency < 1 or max_retries < 0:
            raise ValueError("max_batch_size and max_concurrency must be ≥ 1, max_retries ≥ 0")
        all_headers = {"content-type": "application/json", **(headers or {})}
        api_key = api_key if api_key is not None else os.environ.get("REWARD_SERVER_API_KEY")
        if api_key:
            all_headers[api_key_header] = (
                f"Bearer {api_key}" if api_key_header.lower() == "authorization" else api_key
            )
        if not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout, connect=min(connect_timeout, timeout))
        return cls(
            _urls(base_url),
            all_headers,
            timeout,
            max_retries,
            backoff,
            backoff_max,
            max_batch_size,
            max_concurrency,
        )

    def attempts(self) -> Iterator[tuple[int, str]]:
        """``(attempt, url)`` for the first try and each retry, starting at the next URL in turn."""
        with self._lock:
            start = next(self._next)
        for attempt in range(self.max_retries + 1):
            yield attempt, self.urls[(start + attempt) % len(self.urls)]

    def delay(self, attempt: int) -> float:
        """Exponential backoff with jitter before retry ``attempt + 1``."""
        base: float = min(self.backoff_max, self.backoff * 2**attempt)
        return base * (0.5 + random.random() / 2)

    def parse(self, response: httpx.Response, n_items: int) -> list[ScoreResult]:
        results = response.json()["results"]
        if len(results) != n_items:
            raise RewardClientError(f"the service answered {len(results)} results for {n_items} items")
        return [ScoreResult.from_json(r) for r in results]


def _retryable(response: httpx.Response) -> bool:
    return response.status_code in _RETRY_STATUS or response.status_code >= 500


def _refuse(response: httpx.Response) -> RewardRequestError:
    message, body = _error_message(response)
    return RewardRequestError(response.status_code, message, body)


class RewardClient:
    """Blocking client. Thread-safe; use it as a context manager or call :meth:`close`.

    ``base_url`` may be one URL, a comma-separated string or a list (default: the
    ``REWARD_SERVER_URL`` environment variable, else ``http://127.0.0.1:8000``); ``api_key``
    defaults to ``REWARD_SERVER_API_KEY``. ``timeout`` bounds one HTTP try (a large batch
    can take a while: the service's own ``request_timeout`` is 120 s).
    """

    def __init__(
        self,
        base_url: str | Sequence[str] | None = None,
        *,
        api_key: str | None = None,
        api_key_header: str = "Authorization",
        timeout: float | httpx.Timeout = 180.0,
        connect_timeout: float = 5.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        max_batch_size: int = 4096,
        max_concurrency: int = 4,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = _Settings.build(
            base_url,
            api_key=api_key,
            api_key_header=api_key_header,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            backoff=backoff,
            backoff_max=backoff_max,
            max_batch_size=max_batch_size,
            max_concurrency=max_concurrency,
            headers=headers,
        )
        self._http = httpx.Client(
            timeout=self._settings.timeout, headers=self._settings.headers, transport=transport
        )

    @property
    def urls(self) -> list[str]:
        return list(self._settings.urls)

    def score(self, items: Items, components: Components = None) -> list[ScoreResult]:
        """Score ``items`` (dicts in the ``/v1/score`` item shape); one result per item, in order."""
        if not items:
            return []
        chunks = split_batch(items, self._settings.max_batch_size)
        if len(chunks) == 1:
            return self._post(items, components)
        out: list[ScoreResult | None] = [None] * len(items)
        workers = min(self._settings.max_concurrency, len(chunks))
        with ThreadPoolExecutor(workers, thread_name_prefix="reward-client") as pool:
            scored = pool.map(lambda idx: self._post([items[i] for i in idx], components), chunks)
            for idx, results in zip(chunks, scored, strict=True):
                for i, r in zip(idx, results, strict=True):
                    out[i] = r
        return [r for r in out if r is not None]

    def health(self) -> dict[str, Any]:
        """``GET /health`` of the first URL that answers."""
        last: Exception | None = None
        for url in self._settings.urls:
            try:
                response = self._http.get(url + "/health")
                response.raise_for_status()
                health: dict[str, Any] = response.json()
                return health
            except httpx.HTTPError as exc:
                last = exc
        raise RewardUnavailableError(f"no service is healthy: {last}")

    def _post(self, items: Items, components: Components) -> list[ScoreResult]:
        body = encode_body(items, components)
        last = "no try"
        for attempt, url in self._settings.attempts():
            if attempt:
                time.sleep(self._settings.delay(attempt - 1))
            try:
                response = self._http.post(url + "/v1/score", content=body)
            except httpx.TransportError as exc:
                last = f"{url}: {type(exc).__name__}: {exc}"
                continue
            if _retryable(response):
                last = f"{url}: HTTP {response.status_code}: {_error_message(response)[0]}"
                continue
            if response.status_code >= 400:
                raise _refuse(response)
            return self._settings.parse(response, len(items))
        raise RewardUnavailableError(f"{self._settings.max_retries + 1} tries failed; last: {last}")

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> RewardClient:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class _Pending:
    """Single-item calls waiting to be sent together (one per event loop and component spec)."""

    items: list[Mapping[str, Any]] = field(default_factory=list)
    futures: list[asyncio.Future[ScoreResult]] = field(default_factory=list)
    timer: asyncio.TimerHandle | None = None


class AsyncRewardClient:
    """The async twin of :class:`RewardClient` (same arguments, plus ``coalesce_window``).

    Safe to use from several event loops (e.g. ``asyncio.run`` in worker threads): each loop
    gets its own connection pool, as httpx's pools belong to the loop that opened them.
    """

    def __init__(
        self,
        base_url: str | Sequence[str] | None = None,
        *,
        api_key: str | None = None,
        api_key_header: str = "Authorization",
        timeout: float | httpx.Timeout = 180.0,
        connect_timeout: float = 5.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        max_batch_size: int = 4096,
        max_concurrency: int = 4,
        headers: Mapping[str, str] | None = None,
        coalesce_window: float = 0.005,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = _Settings.build(
            base_url,
            api_key=api_key,
            api_key_header=api_key_header,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            backoff=backoff,
            backoff_max=backoff_max,
            max_batch_size=max_batch_size,
            max_concurrency=max_concurrency,
            headers=headers,
        )
        self._transport = transport
        self._coalesce_window = coalesce_window
        self._lock = threading.Lock()
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = (
            weakref.WeakKeyDictionary()
        )
        self._singles = itertools.count()

    @property
    def urls(self) -> list[str]:
        return list(self._settings.urls)

    def _state(self) -> _LoopState:
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._per_loop.get(loop)
            if state is None:
                http = httpx.AsyncClient(
                    timeout=self._settings.timeout, headers=self._settings.headers, transport=self._transport
                )
                state = _LoopState(http, asyncio.Semaphore(self._settings.max_concurrency))
                self._per_loop[loop] = state
            return state

    async def score(self, items: Items, components: Components = None) -> list[ScoreResult]:
        """Score ``items``; one result per item, in order. Chunks of a large batch go concurrently."""
        if not items:
            return []
        chunks = split_batch(items, self._settings.max_batch_size)
        if len(chunks) == 1:
            return await self._post(items, components)
        scored = await asyncio.gather(*(self._post([items[i] for i in idx], components) for idx in chunks))
        out: list[ScoreResult | None] = [None] * len(items)
        for idx, results in zip(chunks, scored, strict=True):
            for i, r in zip(idx, results, strict=True):
                out[i] = r
        return [r for r in out if r is not None]

    async def score_one(self, item: Mapping[str, Any], components: Components = None) -> ScoreResult:
        """Score one item, sent together with the other ``score_one`` calls of the same moment.

        Calls made within ``coalesce_window`` seconds of each other on one event loop, with
        the same components, share one request. An item without a ``group`` is scored as a
        group of its own, exactly as if it had been sent alone.
        """
        if item.get("group") is None:
            item = {**item, "group": f"__single-{next(self._singles)}"}
        state = self._state()
        key = json.dumps(components, sort_keys=True, default=str)
        pending = state.pending.setdefault(key, _Pending())
        future: asyncio.Future[ScoreResult] = asyncio.get_running_loop().create_future()
        pending.items.append(item)
        pending.futures.append(future)
        if len(pending.items) >= self._settings.max_batch_size:
            self._flush(state, key, components)
        elif pending.timer is None:
            pending.timer = asyncio.get_running_loop().call_later(
                self._coalesce_window, self._flush, state, key, components
            )
        return await future

    def _flush(self, state: _LoopState, key: str, components: Components) -> None:
        pending = state.pending.pop(key, None)
        if pending is None:
            return
        if pending.timer is not None:
            pending.timer.cancel()
        task = asyncio.get_running_loop().create_task(self._send_pending(pending, components))
        state.tasks.add(task)
        task.add_done_callback(state.tasks.discard)

    async def _send_pending(self, pending: _Pending, components: Components) -> None:
        try:
            results = await self.score(pending.items, components)
        except BaseException as exc:  # every waiter gets the failure, not a hang
            for f in pending.futures:
                if not f.done():
                    f.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for f, r in zip(pending.futures, results, strict=True):
            if not f.done():
                f.set_result(r)

    async def health(self) -> dict[str, Any]:
        state = self._state()
        last: Exception | None = None
        for url in self._settings.urls:
            try:
                response = await state.http.get(url + "/health")
                response.raise_for_status()
                health: dict[str, Any] = response.json()
                return health
            except httpx.HTTPError as exc:
                last = exc
        raise RewardUnavailableError(f"no service is healthy: {last}")

    async def _post(self, items: Items, components: Components) -> list[ScoreResult]:
        state = self._state()
        body = encode_body(items, components)
        last = "no try"
        async with state.semaphore:
            for attempt, url in self._settings.attempts():
                if attempt:
                    await asyncio.sleep(self._settings.delay(attempt - 1))
                try:
                    response = await state.http.post(url + "/v1/score", content=body)
                except httpx.TransportError as exc:
                    last = f"{url}: {type(exc).__name__}: {exc}"
                    continue
                if _retryable(response):
                    last = f"{url}: HTTP {response.status_code}: {_error_message(response)[0]}"
                    continue
                if response.status_code >= 400:
                    raise _refuse(response)
                return self._settings.parse(response, len(items))
        raise RewardUnavailableError(f"{self._settings.max_retries + 1} tries failed; last: {last}")

    async def aclose(self) -> None:
        """Close the connection pool of the running loop (pools of other loops close with them)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            state = self._per_loop.pop(loop, None)
        if state is not None:
            await state.http.aclose()

    async def __aenter__(self) -> AsyncRewardClient:  # noqa: PYI034
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@dataclass
class _LoopState:
    http: httpx.AsyncClient
    semaphore: asyncio.Semaphore
    pending: dict[str, _Pending] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
