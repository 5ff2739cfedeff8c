"""The ASGI app: :func:`create_app` builds settings, the worker pool and the service."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from reward_server.adapters import parse_components
from reward_server.errors import RequestError, error_response, install_error_handlers
from reward_server.limits import BodySizeLimit, ConcurrencyLimiter, Overloaded
from reward_server.metrics import Metrics
from reward_server.middleware import RequestContext
from reward_server.pool import FairPool, LanedPool, ProcessPool, WorkerPool
from reward_server.routes import compat, health, score
from reward_server.service import RewardService
from reward_server.settings import Settings
from verifiers.code import CodeAccuracy, CodeTaskAccuracy, SandboxBackend, make_backend
from verifiers.components import default_registry
from verifiers.registry import Registry

__all__ = ["create_app"]

log = logging.getLogger("reward_server")


def _process_pool(settings: Settings) -> WorkerPool:
    def make(workers: int) -> WorkerPool:
        return FairPool(ProcessPool(workers, settings.worker_memory_mb, settings.start_method), workers)

    lanes: dict[str, WorkerPool] = {"main": make(settings.workers)}
    if settings.quarantine_workers > 0:
        lanes["quarantine"] = make(settings.quarantine_workers)
    return LanedPool(lanes, {"quarantine": settings.quarantine_timeout})


async def _start_sandbox(sandbox: SandboxBackend | None) -> str | None:
    """Start the code backend; a failure leaves the service up (code items then answer
    ``sandbox_error`` and ``/ready`` is 503) rather than taking math scoring down with it."""
    if sandbox is None:
        return None
    try:
        await sandbox.start()
    except Exception as exc:
        log.exception("the code sandbox could not start")
        return f"{type(exc).__name__}: {exc}"
    return None


def _sandbox(settings: Settings) -> SandboxBackend | None:
    if settings.sandbox == "none":
        return None
    if settings.sandbox == "sandbox_fusion":
        return make_backend("sandbox_fusion", url=settings.sandbox_url)
    return make_backend("local", slots=settings.sandbox_slots, base_uid=settings.sandbox_base_uid)


def _check_compat_specs(app: FastAPI, service: RewardService) -> None:
    """Every configured compat spec names real components with real parameters (else no start)."""
    for name, spec in app.state.compat_specs.items():
        try:
            service.plan(spec, [])
        except RequestError as exc:
            raise ValueError(f"compat_specs.{name}: {exc.message}") from None
    if service.settings.compat_components:
        try:
            service.plan(parse_components(service.settings.compat_components), [])
        except (RequestError, ValueError) as exc:
            raise ValueError(f"compat_components: {getattr(exc, 'message', exc)}") from None


def create_app(
    settings: Settings | None = None,
    *,
    pool_factory: Callable[[Settings], WorkerPool] = _process_pool,
    registry: Registry | None = None,
    sandbox_factory: Callable[[Settings], SandboxBackend | None] = _sandbox,
) -> FastAPI:
    """Build the app. Tests pass fakes for the pool, the sandbox or the whole registry."""
    settings = settings or Settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = pool_factory(settings)
        await pool.start()
        sandbox = None if registry is not None else sandbox_factory(settings)
        sandbox_error = await _start_sandbox(sandbox)
        code = [CodeTaskAccuracy(sandbox), CodeAccuracy(sandbox)] if sandbox is not None else []
        service = RewardService(registry or default_registry(code), pool, settings, metrics, app.state.limiter)
        _check_compat_specs(app, service)
        if sandbox is not None:
            service.extra_health["sandbox"] = {**sandbox.describe(), "error": sandbox_error}
            service.broken_because = sandbox_error
        app.state.service = service
        app.state.ready = True
        log.info("reward-server ready: %d workers, item timeout %gs", settings.workers, settings.item_timeout)
        try:
            yield
        finally:
            app.state.ready = False
            pool.close()
            if sandbox is not None:
                await sandbox.close()
            log.info("reward-server stopped")

    app = FastAPI(
        title="reward-server",
        version="0.1.0",
        summary="Rule-based rewards for RL of reasoning models",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.ready = False
    app.state.compat_specs = compat.named_specs(settings)  # a malformed setting fails here, before any work
    app.state.limiter = ConcurrencyLimiter(settings.max_concurrent_requests, settings.max_queued_requests)
    install_error_handlers(app)

    @app.exception_handler(Overloaded)
    async def _overloaded(_: Request, exc: Overloaded) -> JSONResponse:
        return error_response(
            429, "overloaded", "too many scoring requests in flight; retry later",
            headers={"Retry-After": str(exc.retry_after)},
        )

    app.include_router(health.router)
    app.include_router(score.router)
    app.include_router(compat.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, metrics=metrics)
    return app
