"""Drop-in endpoints for trainers that cannot send our request shape (OpenRLHF, slime).

* ``POST /compat/openrlhf``: ``{"query", "prompts", "labels"}`` → ``{"rewards", "scores",
  "extra_logs"}`` (lists, one entry per sample; empty lists answer empty lists);
* ``POST /compat/slime``: ``{"prompt", "response", "label"}`` → ``{"reward", "error",
  "status", "components"}`` (slime: ``--reward-key reward``).

These trainers cannot send a component spec, so the URL carries it: ``?components=
accuracy:1,format:0.5``, ``?task=math``, ``?language=en`` and component parameters as
``?format.mode=think``; without ``components``, the server's ``compat_components`` setting
(if any), then the service default. A bad spec is a 422 (a configuration error, visible at
the first call).

Both trainers retry a 5xx and then drop the sample or crash, so nothing about one sample
is an HTTP error here: an item that cannot be scored (an unknown task, a malformed
prompt, a failure inside scoring) answers reward 0.0 with ``error`` = 1.0 and its status.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from reward_server.adapters import flat_scores, label_to_reference, parse_components
from reward_server.adapters.openrlhf import items_from_openrlhf, to_openrlhf, strip_special_tokens
from reward_server.client import ScoreResult
from reward_server.deps import ScoringDep
from reward_server.errors import RequestError
from reward_server.schemas import ComponentParams, Item
from reward_server.service import RewardService, samples_from_items
from reward_server.spec import DEFAULT_SPEC

__all__ = ["OpenRLHFRequest", "OpenRLHFResponse", "SlimeRequest", "SlimeResponse", "router"]

router = APIRouter(prefix="/compat", tags=["compat"])
log = logging.getLogger("reward_server.compat")

Spec = dict[str, float | ComponentParams]


class OpenRLHFRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    query: list[str] = []
    prompts: list[str | None] = []
    labels: list[Any] = []


class OpenRLHFResponse(BaseModel):
    rewards: list[float]
    scores: list[float]
    extra_logs: dict[str, list[float]]


class SlimeRequest(BaseModel):
    model_config = ConfigDict(extra="allow")

    prompt: str | list[dict[str, Any]] | None = None
    response: str = ""
    label: Any = None


class SlimeResponse(BaseModel):
    reward: float
    error: float
    status: str
    components: dict[str, float]


def _param_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def spec_from_query(request: Request) -> Spec | None:
    """The component spec a compat URL carries (``components``, ``<component>.<param>``)."""
    params = request.query_params
    raw = params.get("components") or getattr(request.app.state.settings, "compat_components", None)
    try:
        weights = parse_components(raw) if raw else None
    except ValueError as exc:
        raise RequestError(str(exc), ["query", "components"]) from None
    extra: dict[str, dict[str, Any]] = {}
    for key, value in params.multi_items():
        if "." in key:
            name, _, param = key.partition(".")
            extra.setdefault(name, {})[param] = _param_value(value)
    if weights is None and not extra:
        return None
    base = dict(weights if weights is not None else DEFAULT_SPEC)
    for name in extra:
        if name not in base:
            raise RequestError(f"parameters for {name!r}, which is not among the components", ["query", name])
    return {
        name: ComponentParams(weight=w, **extra[name]) if name in extra else float(w)
        for name, w in base.items()
    }


def _unscored(names: Sequence[str], status: str) -> ScoreResult:
    return ScoreResult(reward=0.0, components={n: None for n in names}, status=status)


async def score_dicts(
    service: RewardService, items: Sequence[dict[str, Any]], spec: Spec | None
) -> tuple[list[ScoreResult], list[str]]:
    """Score item dicts in process, as ``/v1/score`` does; a bad item is an unscored result.

    Returns the results in item order and the component names of the plan.
    """
    if len(items) > service.settings.max_items:
        raise RequestError(
            f"{len(items)} items in one request; the limit is {service.settings.max_items}", ["items"], 413
        )
    plan = service.plan(spec, [])  # validates the spec (422 before any work)
    names = [p.name for p in plan]
    tasks = service.scoring.registry.tasks()
    results: list[ScoreResult | None] = [None] * len(items)
    valid: list[tuple[int, Item]] = []
    for i, raw in enumerate(items):
        try:
            item = Item.model_validate(raw)
        except ValidationError:
            results[i] = _unscored(names, "invalid_item")
            continue
        if item.task not in tasks:
            results[i] = _unscored(names, "unknown_task")
            continue
        valid.append((i, item))
    if valid:
        try:
            scored = await service.scoring.score(samples_from_items([item for _, item in valid]), plan)
        except Exception:  # a bug of ours must not become a 5xx the trainer retries and then drops
            log.exception("compat scoring failed")
            scored = None
        for n, (i, _) in enumerate(valid):
            if scored is None:
                results[i] = _unscored(names, "error")
                continue
            s = scored[n]
            results[i] = ScoreResult(
                reward=s.reward,
                components={name: sc.score for name, sc in s.scores.items()},
                status=s.status.value,
            )
    return [r if r is not None else _unscored(names, "error") for r in results], names


@router.post("/openrlhf", response_model=OpenRLHFResponse)
async def openrlhf(body: OpenRLHFRequest, request: Request, service: ScoringDep) -> OpenRLHFResponse:
    spec = spec_from_query(request)
    params = request.query_params
    items = items_from_openrlhf(
        body.query,
        [p or "" for p in body.prompts],
        body.labels,
        task=params.get("task"),
        language=params.get("language"),
    )
    results, names = await score_dicts(service, items, spec)
    return OpenRLHFResponse.model_validate(to_openrlhf(results, names))


@router.post("/slime", response_model=SlimeResponse)
async def slime(body: SlimeRequest, request: Request, service: ScoringDep) -> SlimeResponse:
    spec = spec_from_query(request)
    params = request.query_params
    task, reference = label_to_reference(body.label, params.get("task"))
    # chat-template markers (<|im_end|>, </s>) are never part of the answer
    item: dict[str, Any] = {"completion": strip_special_tokens(body.response), "task": task}
    if body.prompt is not None:
        item["prompt"] = body.prompt
    if reference is not None:
        item["reference"] = reference
    if params.get("language"):
        item["language"] = params["language"]
    [result], _ = await score_dicts(service, [item], spec)
    flat = flat_scores(result.components, result.error)
    error = flat.pop("error")
    return SlimeResponse(reward=result.reward, error=error, status=result.status, components=flat)
