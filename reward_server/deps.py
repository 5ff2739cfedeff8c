"""FastAPI dependencies, as ``Annotated`` aliases, and the one scoring step every route shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Request

from reward_server.schemas import Item, ItemResult
from reward_server.service import RewardService
from reward_server.spec import Planned

__all__ = ["ScoringDep", "score_in_request"]


def get_service(request: Request) -> RewardService:
    service: RewardService = request.app.state.service
    return service


ScoringDep = Annotated[RewardService, Depends(get_service)]


async def score_in_request(
    http: Request, service: RewardService, items: Sequence[Item], plan: Sequence[Planned]
) -> list[ItemResult]:
    """:meth:`RewardService.score` for one HTTP request: its item count goes to the access
    log line and its request id to the item logs."""
    state = http.scope.setdefault("state", {})
    state["items"] = len(items)
    return await service.score(items, plan, state.get("request_id"))
