"""Drop-in endpoints for trainers that cannot send our request shape (OpenRLHF, slime)."""

from __future__ import annotations

from fastapi import APIRouter

from reward_server.auth import ApiKeyDep

router = APIRouter(prefix="/compat", tags=["compat"], dependencies=[ApiKeyDep])
