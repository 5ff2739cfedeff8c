"""``POST /v1/score``: batch scoring with a per-component breakdown."""

from __future__ import annotations

from fastapi import APIRouter, Request

from reward_server.auth import ApiKeyDep
from reward_server.deps import ScoringDep, score_in_request
from reward_server.schemas import ScoreRequest, ScoreResponse

router = APIRouter(prefix="/v1", tags=["scoring"], dependencies=[ApiKeyDep])


@router.post("/score", response_model=ScoreResponse)
async def score(request: ScoreRequest, service: ScoringDep, http: Request) -> ScoreResponse:
    plan = service.plan(request.components, request.items)
    return ScoreResponse(results=await score_in_request(http, service, request.items, plan))
