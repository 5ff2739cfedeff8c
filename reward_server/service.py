"""The service object behind the routes, built once in the app's lifespan.

Every scoring route (``/v1/score``, ``/compat/*``) and the offline ``score`` command go
through :meth:`RewardService.plan` (spec, item count, tasks: 422/413 before any work) and
:meth:`RewardService.score` (the concurrency limiter, scoring, metrics, item logs). The
routes only translate their request and response shapes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.errors import RequestError
from reward_server.limits import ConcurrencyLimiter
from reward_server.metrics import Metrics
from reward_server.pool import WorkerPool
from reward_server.schemas import ComponentParams, ComponentResult, Item, ItemResult
from reward_server.scoring import ScoredItem, ScoringService
from reward_server.settings import Settings
from reward_server.spec import Planned, build_plan
from verifiers.registry import Registry
from verifiers.text import prompt_opens_think
from verifiers.types import Sample

log = logging.getLogger("reward_server.items")

# A pool recreated this often within pool.RESTART_WINDOW is broken, not unlucky.
_MAX_RECENT_RESTARTS = 3

__all__ = ["RewardService", "samples_from_items", "sample_from_item", "item_results"]


def sample_from_item(item: Item) -> Sample:
    prompt = item.prompt_text()
    extra: dict[str, Any] = dict(item.model_extra or {})
    if item.completion_ids is not None:
        extra["completion_ids"] = item.completion_ids
    if isinstance(item.prompt, list):
        users = [m.text() for m in item.prompt if m.role == "user"]
        if users:
            # the question itself, for detecting its language (a system prompt may be in another)
            extra["prompt_user"] = users[-1]
    return Sample(
        completion=item.completion_text(),
        prompt=prompt,
        reference=item.reference,
        task=item.task,
        language=item.language,
        group=None if item.group is None else str(item.group),
        completion_tokens=item.completion_tokens,
        prompt_opens_think=prompt_opens_think(prompt),
        extra=extra,
    )


def samples_from_items(items: Sequence[Item]) -> list[Sample]:
    return [sample_from_item(item) for item in items]


def item_results(items: Sequence[Item], scored: Sequence[ScoredItem], plan: Sequence[Planned]) -> list[ItemResult]:
    """The API's view of scored items: scores, statuses, reasons and details per component."""
    weights = {p.name: p.weight for p in plan}
    return [
        ItemResult(
            id=item.id,
            reward=result.reward,
            components={name: s.score for name, s in result.scores.items()},
            status=result.status.value,
            details={
                name: ComponentResult(
                    score=s.score, status=s.status.value, reason=s.reason, weight=weights[name], details=dict(s.details)
                )
                for name, s in result.scores.items()
            },
        )
        for item, result in zip(items, scored, strict=True)
    ]


class RewardService:
    def __init__(
        self,
        registry: Registry,
        pool: WorkerPool,
        settings: Settings,
        metrics: Metrics | None = None,
        limiter: ConcurrencyLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.limiter = limiter or ConcurrencyLimiter(settings.max_concurrent_requests, settings.max_queued_requests)
        self.scoring = ScoringService(registry, pool, settings, self.metrics)
        self.extra_health: dict[str, Any] = {}
        self.broken_because: str | None = None

    def check_size(self, count: int) -> None:
        """413 for a request with more items than ``max_items``."""
        if count > self.settings.max_items:
            raise RequestError(f"{count} items in one request; the limit is {self.settings.max_items}", ["items"], 413)

    def task_problem(self, task: str) -> str | None:
        """Why an item's task cannot be scored here, or ``None`` when it can."""
        tasks = self.scoring.registry.tasks()
        if task in tasks:
            return None
        return f"unknown task {task!r}; known tasks: {', '.join(sorted(tasks))}"

    def plan(
        self, spec: Mapping[str, float | ComponentParams] | None, items: Sequence[Item]
    ) -> list[Planned]:
        """Validate a request (components, parameters, tasks, size) before any work."""
        self.check_size(len(items))
        plan = build_plan(spec, self.scoring.registry)
        for i, item in enumerate(items):
            problem = self.task_problem(item.task)
            if problem is not None:
                raise RequestError(problem, ["items", i, "task"])
        return plan

    async def score(
        self, items: Sequence[Item], plan: Sequence[Planned], request_id: str | None = None
    ) -> list[ItemResult]:
        """Score planned items under the concurrency limit (:class:`~reward_server.limits.Overloaded`
        past it), in item order."""
        samples = samples_from_items(items)
        async with self.limiter.slot():
            scored = await self.scoring.score(samples, plan)
        results = item_results(items, scored, plan)
        self.log_items(items, results, request_id)
        return results

    def log_items(self, items: Sequence[Item], results: Sequence[ItemResult], request_id: str | None) -> None:
        """With ``log_completions`` on, one debug line per item with its text (truncated)."""
        if not self.settings.log_completions:
            return
        for item, result in zip(items, results):
            log.debug(
                "item",
                extra={
                    "request_id": request_id,
                    "id": item.id,
                    "completion": item.completion_text()[:2000],
                    "reward": result.reward,
                    "status": result.status,
                },
            )

    def healthy(self) -> tuple[bool, str]:
        """Whether the workers can take jobs (a pool that keeps breaking is not healthy)."""
        if self.broken_because:
            return False, f"the code sandbox is broken: {self.broken_because}"
        if any(lane.get("recent_pool_restarts", 0) >= _MAX_RECENT_RESTARTS for lane in self._lane_stats()):
            return False, "the worker pool keeps breaking"
        return True, ""

    def refresh_metrics(self) -> None:
        self.metrics.worker_restarts.set(
            sum(s.get("timeouts", 0) + s.get("workers_lost", 0) for s in self._lane_stats())
        )

    def _lane_stats(self) -> list[dict[str, Any]]:
        """The main lane's stats and each other lane's (nested under its name)."""
        stats = self.scoring.pool.stats()
        return [stats, *(v for v in stats.values() if isinstance(v, dict))]

    def describe(self) -> dict[str, Any]:
        return {"tasks": sorted(self.scoring.registry.tasks()), "pool": self.scoring.pool.stats(), **self.extra_health}
