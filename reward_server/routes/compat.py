"""Drop-in endpoints for trainers that cannot send our request shape (OpenRLHF, slime).

* ``POST /compat/openrlhf[/<spec>]``: ``{"query", "prompts", "labels"}`` → ``{"rewards",
  "scores", "extra_logs"}`` (lists, one entry per sample; empty lists answer empty lists);
* ``POST /compat/slime[/<spec>]``: ``{"prompt", "response", "label"}`` → ``{"reward",
  "error", "status", "components"}`` (slime: ``--reward-key reward``).

These routes only translate shapes: they plan and score through the same
:class:`~reward_server.service.RewardService` calls as ``/v1/score`` (API key, item limit,
spec validation, the concurrency limiter and its 429, metrics, item logs).

These trainers can send neither a header nor a component spec, so the URL carries both,
and it must survive OpenRLHF splitting ``--reward.remote_url`` on commas:

* the API key as ``?api_key=`` (a header, when a client can send one, wins);
* the spec by name, ``/compat/openrlhf/r1``: the server's ``compat_specs`` setting (plus the
  built-in ``r1``), or in the query without commas: ``?components=accuracy:1&components=
  format:0.5`` (one ``name:weight`` per ``components``), ``?task=math``, ``?language=en`` and
  component parameters as ``?format.mode=think``;
* without either, the server's ``compat_components`` setting (if any), then the service
  default. A bad spec, an unknown spec name or an unknown query key is a 4xx: a
  configuration error, visible at the first call.

Both trainers retry a 5xx and then drop the sample or crash, so nothing about one sample
is an HTTP error here: an item that cannot be scored (an unknown task, a malformed
prompt, a failure inside scoring) answers reward 0.0 with ``error`` = 1.0 and its status.
What is about the whole request (a missing key 401, too many items 413, overload 429) is
an HTTP error, as on ``/v1/score``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from reward_server.adapters import flat_scores, label_to_reference, parse_components
from reward_server.adapters.openrlhf import items_from_openrlhf, strip_special_tokens, to_openrlhf
from reward_server.auth import UrlApiKeyDep
from reward_server.client import ScoreResult
from reward_server.deps import ScoringDep, score_in_request
from reward_server.errors import RequestError
from reward_server.limits import Overloaded
from reward_server.schemas import ComponentParams, Item, ScoreRequest
from reward_server.service import RewardService
from reward_server.settings import Settings
from reward_server.spec import DEFAULT_SPEC

__all__ = [
    "BUILTIN_SPECS",
    "CompatQuery",
    "OpenRLHFRequest",
    "OpenRLHFResponse",
    "SlimeRequest",
    "SlimeResponse",
    "named_specs",
    "router",
]

router = APIRouter(prefix="/compat", tags=["compat"], dependencies=[UrlApiKeyDep])
log = logging.getLogger("reward_server.compat")

Spec = dict[str, float | ComponentParams]

# Named specs every server has; ``compat_specs`` adds to them (and may replace them).
BUILTIN_SPECS: Mapping[str, Mapping[str, float]] = {"r1": DEFAULT_SPEC}
_SPEC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Query keys besides ``<component>.<param>``; anything else is a typo worth a 422.
_QUERY_KEYS = frozenset({"components", "task", "language", "api_key"})


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


def spec_from_value(value: Any) -> Spec:
    """A spec given as ``"name:weight,..."`` or as ``/v1/score``'s ``components`` object."""
    if isinstance(value, str):
        return dict(parse_components(value))
    components = ScoreRequest.model_validate({"items": [], "components": value}).components
    if components is None:
        raise ValueError("a named spec must not be null")
    return components


def named_specs(settings: Settings) -> dict[str, Spec]:
    """The built-in specs and the ``compat_specs`` setting, each validated for shape.

    Raises ``ValueError`` naming the bad entry; the app checks the components against the
    registry at start-up, so a server with a broken spec does not start.
    """
    out: dict[str, Spec] = {name: dict(spec) for name, spec in BUILTIN_SPECS.items()}
    for name, value in settings.compat_specs.items():
        if not _SPEC_NAME.match(name):
            raise ValueError(f"compat_specs: {name!r} is not a valid spec name (letters, digits, _ and -)")
        try:
            out[name] = spec_from_value(value)
        except (ValueError, ValidationError) as exc:
            raise ValueError(f"compat_specs.{name}: {exc}") from None
    return out


@dataclass(frozen=True)
class CompatQuery:
    """What a compat URL asks for: the spec (``None``: the service default), task, language."""

    spec: Spec | None
    task: str | None
    language: str | None


def _param_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _base_spec(request: Request, spec_name: str | None) -> Spec | None:
    params = request.query_params
    listed = params.getlist("components")
    if spec_name is not None:
        if listed:
            raise RequestError("give the spec by name or by ?components=, not both", ["query", "components"])
        specs: Mapping[str, Spec] = request.app.state.compat_specs
        if spec_name not in specs:
            known = ", ".join(sorted(specs))
            raise RequestError(f"unknown spec {spec_name!r}; named specs: {known}", ["path", "spec"], 404)
        return dict(specs[spec_name])
    settings: Settings = request.app.state.settings
    raw = ",".join(listed) if listed else settings.compat_components
    if not raw:
        return None
    try:
        return dict(parse_components(raw))
    except ValueError as exc:
        raise RequestError(str(exc), ["query", "components"]) from None


def compat_query(request: Request, spec_name: str | None = None) -> CompatQuery:
    """Parse a compat URL: a named or listed spec, ``<component>.<param>`` overrides, task, language."""
    params = request.query_params
    extra: dict[str, dict[str, Any]] = {}
    for key, value in params.multi_items():
        if "." in key:
            name, _, param = key.partition(".")
            extra.setdefault(name, {})[param] = _param_value(value)
        elif key not in _QUERY_KEYS:
            known = ", ".join(sorted(_QUERY_KEYS))
            raise RequestError(
                f"unknown query parameter {key!r}; known: {known} and <component>.<parameter>", ["query", key]
            )
    base = _base_spec(request, spec_name)
    spec: Spec | None = base
    if extra:
        spec = dict(base if base is not None else DEFAULT_SPEC)
        for name, overrides in extra.items():
            entry = spec.get(name)
            if entry is None:
                raise RequestError(f"parameters for {name!r}, which is not among the components", ["query", name])
            if isinstance(entry, ComponentParams):
                spec[name] = ComponentParams(**{"weight": entry.weight, **(entry.model_extra or {}), **overrides})
            else:
                spec[name] = ComponentParams(**{"weight": float(entry), **overrides})
    return CompatQuery(spec=spec, task=params.get("task") or None, language=params.get("language") or None)


def _unscored(names: Sequence[str], status: str) -> ScoreResult:
    return ScoreResult(reward=0.0, components={n: None for n in names}, status=status)


async def score_dicts(
    http: Request, service: RewardService, items: Sequence[dict[str, Any]], spec: Spec | None
) -> tuple[list[ScoreResult], list[str]]:
    """Score item dicts through the service, as ``/v1/score`` does; a bad item is an unscored result.

    Returns the results in item order and the component names of the plan. The request's
    own problems (too many items, a bad spec, overload) raise as they do on ``/v1/score``.
    """
    service.check_size(len(items))
    plan = service.plan(spec, [])  # validates the spec (4xx before any work)
    names = [p.name for p in plan]
    results: list[ScoreResult | None] = [None] * len(items)
    valid: list[tuple[int, Item]] = []
    for i, raw in enumerate(items):
        try:
            item = Item.model_validate(raw)
        except ValidationError:
            results[i] = _unscored(names, "invalid_item")
            continue
        if service.task_problem(item.task) is not None:
            results[i] = _unscored(names, "unknown_task")
            continue
        valid.append((i, item))
    if valid:
        try:
            scored = await score_in_request(http, service, [item for _, item in valid], plan)
        except Overloaded:
            raise  # 429 with Retry-After: both trainers retry it
        except Exception:  # a bug of ours must not become a 5xx the trainer retries and then drops
            log.exception("compat scoring failed")
            scored = None
        for n, (i, _) in enumerate(valid):
            if scored is None:
                results[i] = _unscored(names, "error")
                continue
            r = scored[n]
            results[i] = ScoreResult(reward=r.reward, components=r.components, status=r.status)
    return [r if r is not None else _unscored(names, "error") for r in results], names


async def _openrlhf(
    body: OpenRLHFRequest, request: Request, service: RewardService, spec_name: str | None
) -> OpenRLHFResponse:
    query = compat_query(request, spec_name)
    items = items_from_openrlhf(
        body.query, [p or "" for p in body.prompts], body.labels, task=query.task, language=query.language
    )
    results, names = await score_dicts(request, service, items, query.spec)
    return OpenRLHFResponse.model_validate(to_openrlhf(results, names))


async def _slime(body: SlimeRequest, request: Request, service: RewardService, spec_name: str | None) -> SlimeResponse:
    query = compat_query(request, spec_name)
    task, reference = label_to_reference(body.label, query.task)
    # chat-template markers (<|im_end|>, </s>) are never part of the answer
    item: dict[str, Any] = {"completion": strip_special_tokens(body.response), "task": task}
    if body.prompt is not None:
        item["prompt"] = body.prompt
    if reference is not None:
        item["reference"] = reference
    if query.language:
        item["language"] = query.language
    [result], _ = await score_dicts(request, service, [item], query.spec)
    flat = flat_scores(result.components, result.error)
    error = flat.pop("error")
    return SlimeResponse(reward=result.reward, error=error, status=result.status, components=flat)


@router.post("/openrlhf", response_model=OpenRLHFResponse)
async def openrlhf(body: OpenRLHFRequest, request: Request, service: ScoringDep) -> OpenRLHFResponse:
    return await _openrlhf(body, request, service, None)


@router.post("/openrlhf/{spec}", response_model=OpenRLHFResponse)
async def openrlhf_named(body: OpenRLHFRequest, request: Request, service: ScoringDep, spec: str) -> OpenRLHFResponse:
    return await _openrlhf(body, request, service, spec)


@router.post("/slime", response_model=SlimeResponse)
async def slime(body: SlimeRequest, request: Request, service: ScoringDep) -> SlimeResponse:
    return await _slime(body, request, service, None)


@router.post("/slime/{spec}", response_model=SlimeResponse)
async def slime_named(body: SlimeRequest, request: Request, service: ScoringDep, spec: str) -> SlimeResponse:
    return await _slime(body, request, service, spec)
