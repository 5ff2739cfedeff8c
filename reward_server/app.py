"""The ASGI app: :func:`create_app` builds settings, the worker pool and the service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from reward_server.errors import install_error_handlers
from reward_server.pool import LanedPool, ProcessPool, WorkerPool
from reward_server.routes import compat, health, score
from reward_server.service import RewardService
from reward_server.settings import Settings
from verifiers.components import default_registry
from verifiers.registry import Registry

__all__ = ["create_app"]

log = logging.getLogger("reward_server")


def _process_pool(settings: Settings) -> WorkerPool:
    def make(workers: int) -> ProcessPool:
        return ProcessPool(workers, settings.worker_memory_mb, settings.start_method)

    lanes: dict[str, WorkerPool] = {"main": make(settings.workers)}
    if settings.quarantine_workers > 0:
        lanes["quarantine"] = make(settings.quarantine_workers)
    return LanedPool(lanes, {"quarantine": settings.quarantine_timeout})


def create_app(
    settings: Settings | None = None,
    *,
    pool_factory: Callable[[Settings], WorkerPool] = _process_pool,
    registry: Registry | None = None,
) -> FastAPI:
    """Build the app. Tests pass a fake pool factory or registry; production uses the defaults."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = pool_factory(settings)
        await pool.start()
        app.state.service = RewardService(registry or default_registry(), pool, settings)
        log.info("reward-server ready: %d workers, item timeout %gs", settings.workers, settings.item_timeout)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="reward-server",
        version="0.1.0",
        summary="Rule-based rewards for RL of reasoning models",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(score.router)
    app.include_router(compat.router)
    return app
