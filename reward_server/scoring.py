"""The scoring service: expand a batch into component jobs, run them, aggregate in item order.

One request: plan the spec (422 before any work) → for each item and item component, a
cheap ``evaluate`` in this process (a thread for large batches, so the event loop keeps
serving) that returns a final score or a job → jobs deduplicated by key and looked up in
the verdict memo → the rest run in the killable pool under the item deadline (each request
a tenant of the pool's round-robin, so no request's backlog blocks another's), everything
under the request deadline → async (sandbox) components awaited concurrently → group
components on the whole batch → weighted sum per item.

Aggregation: ``reward`` is the sum of ``weight × score`` over the components that have a
score. A component that could not be scored (``null``: broken reference, sandbox failure,
internal error) adds nothing, and the item's ``status`` says why, so a trainer can drop
the sample instead of learning from a fake 0. A component that ran past its deadline or a
resource limit scores ``settings.timeout_score`` (0 by default).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reward_server.metrics import Metrics
from reward_server.pool import JobTimeout, PoolError, WorkerLost, WorkerPool
from reward_server.settings import Settings
from reward_server.spec import Planned
from verifiers.registry import Registry, is_async
from verifiers.types import Job, Sample, Score, Status

__all__ = ["ScoringService", "ScoredItem", "item_status"]

log = logging.getLogger("reward_server.scoring")

# When components disagree, the item's status is the most serious one.
_STATUS_ORDER = (
    Status.ERROR,
    Status.SANDBOX_ERROR,
    Status.INVALID_REFERENCE,
    Status.TIMEOUT,
    Status.TOO_LARGE,
    Status.NO_ANSWER,
    Status.NO_CODE,
    Status.NOT_APPLICABLE,
)


@dataclass(frozen=True, slots=True)
class ScoredItem:
    reward: float
    scores: Mapping[str, Score]
    status: Status


def item_status(scores: Mapping[str, Score], plan: Sequence[Planned]) -> Status:
    seen = {scores[p.name].status for p in plan if p.requested}
    for status in _STATUS_ORDER:
        if status in seen:
            return status
    return Status.OK


class _Memo:
    """A bounded LRU of final verdicts keyed by ``Job.key``."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[Hashable, Score] = OrderedDict()

    def get(self, key: Hashable) -> Score | None:
        hit = self._data.get(key)
        if hit is not None:
            self._data.move_to_end(key)
        return hit

    def put(self, key: Hashable, score: Score) -> None:
        if self._size <= 0:
            return
        self._data[key] = score
        self._data.move_to_end(key)
        while len(self._data) > self._size:
            self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


# Verdicts worth remembering across requests: deterministic ones only.
_MEMOISABLE = frozenset({Status.OK, Status.INVALID_REFERENCE})


class ScoringService:
    def __init__(
        self, registry: Registry, pool: WorkerPool, settings: Settings, metrics: Metrics | None = None
    ) -> None:
        self.registry = registry
        self.pool = pool
        self.settings = settings
        self.metrics = metrics or Metrics()
        self._memo = _Memo(settings.memo_size)
        self._inflight: dict[Hashable, list[Any]] = {}
        self.counters = {"items": 0, "memo_hits": 0, "jobs_run": 0, "timeouts": 0}

    # ---- the cheap stage -------------------------------------------------------------

    def _evaluate_inline(
        self, samples: Sequence[Sample], plan: Sequence[Planned]
    ) -> tuple[dict[tuple[int, str], Score], dict[tuple[int, str], Job], list[tuple[int, str]]]:
        """Per-item ``evaluate`` calls: final scores, jobs for the pool, async work to await."""
        done: dict[tuple[int, str], Score] = {}
        jobs: dict[tuple[int, str], Job] = {}
        waits: list[tuple[int, str]] = []
        limit = self.settings.max_completion_chars
        for p in plan:
            if p.group:
                continue
            started = time.perf_counter()
            self._evaluate_component(p, samples, limit, done, jobs, waits)
            self.metrics.component_seconds.labels(p.name).observe(time.perf_counter() - started)
        return done, jobs, waits

    def _evaluate_component(
        self,
        p: Planned,
        samples: Sequence[Sample],
        limit: int,
        done: dict[tuple[int, str], Score],
        jobs: dict[tuple[int, str], Job],
        waits: list[tuple[int, str]],
    ) -> None:
        for i, sample in enumerate(samples):
            component = self.registry.resolve(p.name, sample.task)
            if component is None:
                done[i, p.name] = Score(
                    None, Status.NOT_APPLICABLE, f"no {p.name!r} verifier for task {sample.task!r}"
                )
                continue
            if len(sample.completion) > limit:
                done[i, p.name] = Score(
                    self.settings.timeout_score,
                    Status.TOO_LARGE,
                    f"the completion is over {limit} characters",
                )
                continue
            if is_async(component):
                waits.append((i, p.name))
                continue
            try:
                outcome = component.evaluate(sample, p.config_for(component))  # type: ignore[union-attr]
            except Exception as exc:  # a verifier bug must cost one item, not the batch
                log.exception("component %s failed on item %d", p.name, i)
                outcome = Score(None, Status.ERROR, f"internal error in {p.name}: {type(exc).__name__}")
            if isinstance(outcome, Job):
                jobs[i, p.name] = outcome
            else:
                done[i, p.name] = outcome

    # ---- the heavy stages ------------------------------------------------------------

    def _failure(self, exc: BaseException) -> Score:
        if isinstance(exc, JobTimeout | WorkerLost):
            self.metrics.timeouts.inc()
        if isinstance(exc, JobTimeout):
            self.counters["timeouts"] += 1
            return Score(self.settings.timeout_score, Status.TIMEOUT, f"verification timed out: {exc}")
        if isinstance(exc, WorkerLost):
            return Score(self.settings.timeout_score, Status.TIMEOUT, f"resource limit: {exc}")
        if isinstance(exc, PoolError):
            return Score(None, Status.ERROR, f"worker pool failure: {exc}")
        if isinstance(exc, asyncio.TimeoutError | asyncio.CancelledError):
            return Score(
                self.settings.timeout_score, Status.TIMEOUT, "the request deadline passed before a verdict"
            )
        return Score(None, Status.ERROR, f"verification failed: {type(exc).__name__}")

    async def _run_job(self, job: Job, component: str, tenant: Hashable) -> Score:
        self.counters["jobs_run"] += 1
        started = time.perf_counter()
        try:
            outcome = await self.pool.run(
                job.fn, job.args, self.settings.item_timeout, lane=job.lane, tenant=tenant
            )
        except Exception as exc:
            return self._failure(exc)
        finally:
            self.metrics.component_seconds.labels(component).observe(time.perf_counter() - started)
        if not isinstance(outcome, Score):
            return Score(None, Status.ERROR, "a worker returned no score")
        if job.key is not None and outcome.status in _MEMOISABLE:
            self._memo.put(job.key, outcome)
        return outcome

    async def _run_jobs(
        self, jobs: Mapping[tuple[int, str], Job], deadline: float, tenant: Hashable
    ) -> dict[tuple[int, str], Score]:
        unique: dict[Hashable, tuple[Job, str]] = {}
        slot_key: dict[tuple[int, str], Hashable] = {}
        results: dict[tuple[int, str], Score] = {}
        for slot, job in jobs.items():
            key = job.key if job.key is not None else ("__slot__", slot)
            hit = self._memo.get(key) if job.key is not None else None
            if hit is not None:
                self.counters["memo_hits"] += 1
                self.metrics.memo_hits.inc()
                results[slot] = job.finish(hit)
                continue
            slot_key[slot] = key
            unique.setdefault(key, (job, slot[1]))
        if not unique:
            return results
        tasks = {key: self._join(key, job, name, tenant) for key, (job, name) in unique.items()}
        _, pending = await asyncio.wait(tasks.values(), timeout=max(0.0, deadline - time.monotonic()))
        outcomes: dict[Hashable, Score] = {}
        for key, task in tasks.items():
            self._leave(key)
            if task in pending or task.cancelled():
                outcomes[key] = self._failure(asyncio.TimeoutError())
            else:
                outcomes[key] = task.result()
        for slot, key in slot_key.items():
            results[slot] = jobs[slot].finish(outcomes[key])
        return results

    def _join(self, key: Hashable, job: Job, component: str, tenant: Hashable) -> asyncio.Future[Score]:
        """The running task for ``key``, shared by concurrent requests (one verdict, one job)."""
        entry = self._inflight.get(key)
        if entry is None:
            task = asyncio.ensure_future(self._run_job(job, component, tenant))
            entry = self._inflight[key] = [task, 0]
            task.add_done_callback(functools.partial(self._forget, key))
        entry[1] += 1
        return entry[0]

    def _forget(self, key: Hashable, _task: object) -> None:
        self._inflight.pop(key, None)

    def _leave(self, key: Hashable) -> None:
        """A request stops waiting; the job is cancelled when nobody waits any more."""
        entry = self._inflight.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0 and not entry[0].done():
            entry[0].cancel()

    async def _run_async(
        self,
        samples: Sequence[Sample],
        plan: Sequence[Planned],
        waits: Sequence[tuple[int, str]],
        deadline: float,
    ) -> dict[tuple[int, str], Score]:
        by_name = {p.name: p for p in plan}

        async def one(i: int, name: str) -> Score:
            component = self.registry.resolve(name, samples[i].task)
            config = by_name[name].config_for(component)  # type: ignore[arg-type]
            started = time.perf_counter()
            try:
                outcome: Score = await component.aevaluate(samples[i], config)  # type: ignore[union-attr]
            except Exception as exc:
                log.exception("component %s failed on item %d", name, i)
                outcome = Score(None, Status.ERROR, f"internal error in {name}: {type(exc).__name__}")
            self.metrics.component_seconds.labels(name).observe(time.perf_counter() - started)
            self.metrics.sandbox_runs.labels(outcome.status.value).inc()
            return outcome

        tasks = {slot: asyncio.ensure_future(one(*slot)) for slot in waits}
        if not tasks:
            return {}
        _, pending = await asyncio.wait(tasks.values(), timeout=max(0.0, deadline - time.monotonic()))
        for task in pending:
            task.cancel()
        return {
            slot: self._failure(asyncio.TimeoutError()) if task in pending else task.result()
            for slot, task in tasks.items()
        }

    def _run_groups(
        self,
        samples: Sequence[Sample],
        plan: Sequence[Planned],
        scores: dict[tuple[int, str], Score],
    ) -> None:
        for p in plan:
            if not p.group:
                continue
            component = self.registry.variants(p.name)[0]
            deps = {d: [scores[i, d] for i in range(len(samples))] for d in component.requires}
            try:
                out = component.evaluate_batch(samples, p.config_for(component), deps)  # type: ignore[union-attr]
                if len(out) != len(samples):
                    raise ValueError(f"{p.name} returned {len(out)} scores for {len(samples)} items")
            except Exception as exc:
                log.exception("group component %s failed", p.name)
                out = [Score(None, Status.ERROR, f"internal error in {p.name}: {type(exc).__name__}")] * len(
                    samples
                )
            for i, s in enumerate(out):
                scores[i, p.name] = s

    # ---- the whole request -----------------------------------------------------------

    async def score(self, samples: Sequence[Sample], plan: Sequence[Planned]) -> list[ScoredItem]:
        started = time.monotonic()
        deadline = started + self.settings.request_timeout
        self.counters["items"] += len(samples)
        if len(samples) > self.settings.inline_batch_threshold:
            done, jobs, waits = await asyncio.to_thread(self._evaluate_inline, samples, plan)
        else:
            done, jobs, waits = self._evaluate_inline(samples, plan)
        inline_done = time.monotonic()
        heavy, waited = await asyncio.gather(
            self._run_jobs(jobs, deadline, tenant=object()),  # each request is its own tenant
            self._run_async(samples, plan, waits, deadline),
        )
        scores = {**done, **heavy, **waited}
        self._run_groups(samples, plan, scores)
        log.debug(
            "scored %d items: inline %.3fs, %d jobs + %d waits %.3fs",
            len(samples), inline_done - started, len(jobs), len(waits), time.monotonic() - inline_done,
        )
        results = [self._aggregate(i, scores, plan) for i in range(len(samples))]
        for r in results:
            self.metrics.items.labels(r.status.value).inc()
        self.metrics.count_flags({name: s.details for name, s in r.scores.items()} for r in results)
        return results

    @staticmethod
    def _aggregate(i: int, scores: Mapping[tuple[int, str], Score], plan: Sequence[Planned]) -> ScoredItem:
        by_name = {p.name: _finite(scores[i, p.name]) for p in plan}
        reward = sum(p.weight * s.score for p in plan if (s := by_name[p.name]).score is not None)
        return ScoredItem(reward=float(reward), scores=by_name, status=item_status(by_name, plan))

    def stats(self) -> dict[str, Any]:
        return {**self.counters, "memo_entries": len(self._memo), "pool": self.pool.stats()}


def _finite(score: Score) -> Score:
    """A NaN or infinite score from a verifier is a bug: report it, don't propagate it."""
    if score.score is not None and not math.isfinite(score.score):
        return replace(score, score=None, status=Status.ERROR, reason="the verifier returned a non-finite score")
    return score
