"""``POST /v1/score``: batch scoring with a per-component breakdown."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reward_server.auth import ApiKeyDep
from reward_server.deps import ScoringDep
from reward_server.schemas import ScoreRequest, ScoreResponse
from reward_server.service import item_results, samples_from_items

router = APIRouter(prefix="/v1", tags=["scoring"], dependencies=[ApiKeyDep])


@router.post("/score", response_model=ScoreResponse)
async def score(request: ScoreRequest, service: ScoringDep, http: Request) -> ScoreResponse:
    plan = service.plan(request.components, request.items)
    samples = samples_from_items(request.items)
    http.scope.setdefault("state", {})["items"] = len(samples)
    async with http.app.state.limiter.slot():
        scored = await service.scoring.score(samples, plan)
    results = item_results(request.items, scored, plan)
    service.log_items(request.items, results, http.scope.get("state", {}).get("request_id"))
    return ScoreResponse(results=results)
