"""FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from reward_server.service import RewardService

__all__ = ["ScoringDep"]


def get_service(request: Request) -> RewardService:
    service: RewardService = request.app.state.service
    return service


ScoringDep = Annotated[RewardService, Depends(get_service)]
