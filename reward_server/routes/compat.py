"""Drop-in endpoints for trainers that cannot send our request shape (OpenRLHF, slime)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/compat", tags=["compat"])
