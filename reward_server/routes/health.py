"""``GET /health``: 200 once the service can score, with what is running."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from reward_server.deps import ScoringDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(service: ScoringDep) -> dict[str, Any]:
    return {"status": "ok", "components": service.scoring.registry.names(), **service.describe()}
