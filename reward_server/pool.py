"""Killable worker pools for CPU-heavy verification.

Lanes: a :class:`LanedPool` keeps a separate small pool for jobs that look expensive
(``Job.lane == "quarantine"``), so hostile input cannot queue ordinary work behind it.

Exception hierarchy (pebble's and multiprocessing's are converted here, at the boundary)::

    PoolError
    ├── JobTimeout      the job passed its deadline; its worker was killed and replaced
    ├── WorkerLost      the worker died under the job (memory cap, segfault, OOM kill)
    └── PoolBroken      the pool could not run the job; it has been recreated

:class:`ProcessPool` wraps pebble: unlike ``ProcessPoolExecutor`` it kills a worker stuck in
a C call at the deadline. Workers start from a forkserver that has already imported sympy
and math-verify, so a replacement costs a fork, not an import. :class:`ThreadPool` runs jobs
in threads without a kill and is the fake for tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import logging
import multiprocessing
import resource
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import BrokenExecutor
from typing import Any, Protocol

__all__ = [
    "PoolError",
    "JobTimeout",
    "WorkerLost",
    "PoolBroken",
    "WorkerPool",
    "LanedPool",
    "FairPool",
    "ProcessPool",
    "ThreadPool",
    "PRELOAD",
]

log = logging.getLogger("reward_server.pool")

PRELOAD = ("sympy", "math_verify", "verifiers.math.compare")
RESTART_WINDOW = 60.0  # seconds over which pool restarts count against readiness


class PoolError(Exception):
    pass


class JobTimeout(PoolError):
    pass


class WorkerLost(PoolError):
    pass


class PoolBroken(PoolError):
    pass


class WorkerPool(Protocol):
    async def start(self) -> None: ...

    async def run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        timeout: float,
        lane: str = "main",
        tenant: Hashable | None = None,
    ) -> Any: ...

    def stats(self) -> dict[str, Any]: ...

    def close(self) -> None: ...


class LanedPool:
    """Named lanes of workers: ``main`` for ordinary jobs, ``quarantine`` for suspect ones.

    A lane that is not configured falls back to ``main``. ``deadlines`` caps a lane's job
    deadline below the caller's (suspect jobs rarely deserve the full item deadline).
    """

    def __init__(self, lanes: dict[str, WorkerPool], deadlines: dict[str, float] | None = None) -> None:
        if "main" not in lanes:
            raise ValueError("a LanedPool needs a 'main' lane")
        self.lanes = lanes
        self.deadlines = deadlines or {}

    async def start(self) -> None:
        await asyncio.gather(*(pool.start() for pool in self.lanes.values()))

    async def run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        timeout: float,
        lane: str = "main",
        tenant: Hashable | None = None,
    ) -> Any:
        if lane not in self.lanes:
            lane = "main"
        deadline = min(timeout, self.deadlines.get(lane, timeout))
        return await self.lanes[lane].run(fn, args, deadline, tenant=tenant)

    def stats(self) -> dict[str, Any]:
        main = dict(self.lanes["main"].stats())
        for name, pool in self.lanes.items():
            if name != "main":
                main[name] = pool.stats()
        return main

    def close(self) -> None:
        for pool in self.lanes.values():
            pool.close()


class FairPool:
    """Round-robin across tenants (requests) in front of a pool.

    At most ``slots`` jobs are handed to the inner pool at once, so the inner pool's FIFO
    never holds one request's backlog ahead of another request's job: when a slot frees,
    it goes to the next tenant in turn. A batch of slow answers then costs other requests
    at most one job's deadline of waiting, not the whole batch's.
    """

    def __init__(self, inner: WorkerPool, slots: int) -> None:
        self.inner = inner
        self.slots = slots
        self._busy = 0
        self._waiting: OrderedDict[Hashable | None, deque[asyncio.Future[None]]] = OrderedDict()

    async def start(self) -> None:
        await self.inner.start()

    async def run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        timeout: float,
        lane: str = "main",
        tenant: Hashable | None = None,
    ) -> Any:
        if self._busy < self.slots and not self._waiting:
            self._busy += 1
        else:
            gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(tenant, deque()).append(gate)
            try:
                await gate
            except asyncio.CancelledError:
                if gate.done() and not gate.cancelled():
                    self._release()  # the slot was handed over as we were cancelled
                raise
        try:
            return await self.inner.run(fn, args, timeout, lane=lane, tenant=tenant)
        finally:
            self._release()

    def _release(self) -> None:
        """Hand the slot to the next tenant in turn (the busy count moves with it)."""
        while self._waiting:
            tenant, queue = next(iter(self._waiting.items()))
            gate = queue.popleft()
            if queue:
                self._waiting.move_to_end(tenant)
            else:
                del self._waiting[tenant]
            if not gate.done():
                gate.set_result(None)
                return
        self._busy -= 1

    def stats(self) -> dict[str, Any]:
        waiting = sum(len(q) for q in self._waiting.values())
        return {**self.inner.stats(), "queued_jobs": waiting}

    def close(self) -> None:
        self.inner.close()


def _ready() -> bool:
    return True


def _init_worker(memory_bytes: int, preload: Sequence[str]) -> None:
    """Runs in each worker: cap its address space, then warm the imports it needs.

    A module in ``preload`` may define ``warm_up()``: the first sympy comparison in a fresh
    process is many times slower than the next, so it is paid here, not by a request.
    """
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    for name in preload:
        module = importlib.import_module(name)
        warm_up = getattr(module, "warm_up", None)
        if callable(warm_up):
            warm_up()


class ProcessPool:
    """pebble ``ProcessPool`` with per-job hard deadlines, recreated when it breaks."""

    def __init__(
        self,
        workers: int,
        memory_mb: int = 2048,
        start_method: str = "forkserver",
        preload: Sequence[str] = PRELOAD,
    ) -> None:
        self._workers = workers
        self._memory = memory_mb * 1024 * 1024
        self._preload = tuple(preload)
        self._context = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(list(self._preload))
        self._lock = threading.Lock()
        self._counts = {"timeouts": 0, "workers_lost": 0, "pool_restarts": 0, "jobs": 0}
        self._restarts: list[float] = []
        self._pool = self._new_pool()

    def _new_pool(self) -> Any:
        import pebble

        return pebble.ProcessPool(
            max_workers=self._workers,
            initializer=_init_worker,
            initargs=(self._memory, self._preload),
            context=self._context,
        )

    def _restart(self, broken: Any) -> None:
        with self._lock:
            if self._pool is not broken:
                return
            self._counts["pool_restarts"] += 1
            self._restarts = [t for t in self._restarts if time.monotonic() - t < RESTART_WINDOW] + [time.monotonic()]
            log.warning("worker pool broke; recreating it")
            self._pool = self._new_pool()
        broken.stop()

    async def run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        timeout: float,
        lane: str = "main",
        tenant: Hashable | None = None,
    ) -> Any:
        """Run ``fn(*args)`` in a worker; a broken pool is recreated and the job tried once more."""
        try:
            return await self._run_once(fn, args, timeout)
        except PoolBroken:
            return await self._run_once(fn, args, timeout)

    async def _run_once(self, fn: Callable[..., Any], args: Sequence[Any], timeout: float) -> Any:
        pool = self._pool
        self._counts["jobs"] += 1
        try:
            future = pool.schedule(fn, args=tuple(args), timeout=timeout)
        except RuntimeError as exc:  # pebble: the pool is no longer running
            self._restart(pool)
            raise PoolBroken(str(exc)) from exc
        try:
            return await asyncio.wrap_future(future)
        except concurrent.futures.TimeoutError as exc:
            self._counts["timeouts"] += 1
            raise JobTimeout(f"no verdict within {timeout:g}s") from exc
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BrokenExecutor as exc:
            self._restart(pool)
            raise PoolBroken(str(exc)) from exc
        except Exception as exc:
            lost = _worker_lost(exc)
            if lost is not None:
                self._counts["workers_lost"] += 1
                raise WorkerLost(lost) from exc
            raise

    async def start(self) -> None:
        """Start every worker now (pebble starts them on first use) and wait until warm."""
        await asyncio.gather(*(self.run(_ready, (), timeout=120) for _ in range(self._workers)))

    def stats(self) -> dict[str, Any]:
        recent = sum(1 for t in self._restarts if time.monotonic() - t < RESTART_WINDOW)
        return {"workers": self._workers, **self._counts, "recent_pool_restarts": recent}

    def close(self) -> None:
        self._pool.stop()
        self._pool.join(timeout=5)


def _worker_lost(exc: BaseException) -> str | None:
    from pebble import ProcessExpired

    if isinstance(exc, ProcessExpired):
        return f"the worker died (exit code {exc.exitcode})"
    if isinstance(exc, MemoryError):
        return "the worker ran out of memory"
    if isinstance(exc, RecursionError):
        return "the expression is nested too deeply"
    return None


class ThreadPool:
    """Runs jobs in threads: no process, no kill. The test double of :class:`ProcessPool`.

    A job still past its deadline raises :class:`JobTimeout` (its thread runs on).
    """

    def __init__(self, workers: int = 2) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
        self._counts = {"timeouts": 0, "workers_lost": 0, "pool_restarts": 0, "jobs": 0}
        self._workers = workers

    async def start(self) -> None:
        return None

    async def run(
        self,
        fn: Callable[..., Any],
        args: Sequence[Any],
        timeout: float,
        lane: str = "main",
        tenant: Hashable | None = None,
    ) -> Any:
        self._counts["jobs"] += 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, fn, *args)
        try:
            return await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError as exc:
            self._counts["timeouts"] += 1
            raise JobTimeout(f"no verdict within {timeout:g}s") from exc
        except (MemoryError, RecursionError) as exc:
            self._counts["workers_lost"] += 1
            raise WorkerLost(str(_worker_lost(exc))) from exc

    def stats(self) -> dict[str, Any]:
        return {"workers": self._workers, **self._counts}

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
