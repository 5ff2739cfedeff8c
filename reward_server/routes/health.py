"""Probes and metrics, open without an API key: ``/health``, ``/ready``, ``/metrics``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    """Alive, and what is running (components, tasks, worker and sandbox state)."""
    service = request.app.state.service
    return {"status": "ok", "components": service.scoring.registry.names(), **service.describe()}


@router.get("/ready", response_model=None)
async def ready(request: Request) -> JSONResponse | dict[str, str]:
    """200 when the service takes work; 503 while starting, draining or broken."""
    state = request.app.state
    if not getattr(state, "ready", False):
        return JSONResponse({"status": "not ready"}, status_code=503)
    healthy, why = state.service.healthy()
    if not healthy:
        return JSONResponse({"status": "unhealthy", "reason": why}, status_code=503)
    return {"status": "ready"}


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    state = request.app.state
    state.service.refresh_metrics()
    limiter = state.service.limiter
    state.metrics.queue_depth.set(limiter.waiting)
    state.metrics.in_flight.set(limiter.active)
    return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)
