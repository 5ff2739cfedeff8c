"""Shared fixtures: one local sandbox per test session, and ``score(items)`` callables.

``score(items) -> results`` is the seam the attack and format suites are written against:
items are the JSON the HTTP API takes (``completion``, ``reference``, ``task``, optional
``params``) and results are plain dicts (``score``, ``status``, ``reason``, ``details``), so
the same suites run through HTTP by adding one more scorer.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Any

import pytest
import pytest_asyncio

from verifiers.code import CodeAccuracy, CodeConfig, LocalSandbox
from verifiers.types import Sample

SECRET = "xyzzy-service-secret-4242"
os.environ.setdefault("REWARD_SERVER_SECRET_TEST", SECRET)

Scorer = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]


def fence(code: str, lang: str = "python") -> str:
    return f"<think>Let me write it.</think>\nHere is my solution:\n```{lang}\n{code}\n```\n"


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def sandbox() -> AsyncIterator[LocalSandbox]:
    assert os.environ.get("REWARD_SERVER_SECRET_TEST") == SECRET
    sb = LocalSandbox(slots=2)
    await sb.start()
    yield sb
    await sb.close()


def component_scorer(backend: Any) -> Scorer:
    comp = CodeAccuracy(backend)

    async def score(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        async def one(item: dict[str, Any]) -> dict[str, Any]:
            cfg = CodeConfig(**item.get("params", {}))
            sample = Sample(completion=item["completion"], reference=item.get("reference"), task=item.get("task", "code"))
            s = await comp.aevaluate(sample, cfg)
            d = asdict(s)
            d["status"] = s.status.value
            return d

        return list(await asyncio.gather(*(one(i) for i in items)))

    return score


@pytest.fixture(scope="session")
def score(sandbox: LocalSandbox) -> Scorer:
    return component_scorer(sandbox)


def http_scorer(client: Any) -> Scorer:
    """``score`` through ``POST /v1/score`` (``accuracy`` on ``task: code`` items); items
    with different ``params`` go as separate requests, since a spec is per request."""
    import json as _json

    async def score(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        groups: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            groups.setdefault(_json.dumps(item.get("params", {}), sort_keys=True), []).append(i)
        results: list[dict[str, Any]] = [{}] * len(items)

        async def send(key: str, idx: list[int]) -> None:
            body = {
                "items": [
                    {"completion": items[i]["completion"], "reference": items[i].get("reference"), "task": "code"}
                    for i in idx
                ],
                "components": {"accuracy": {"weight": 1.0, **_json.loads(key)}},
            }
            resp = await client.post("/v1/score", json=body)
            assert resp.status_code == 200, resp.text
            for i, r in zip(idx, resp.json()["results"]):
                acc = r["details"]["accuracy"]
                results[i] = {k: acc[k] for k in ("score", "status", "reason", "details")}

        await asyncio.gather(*(send(k, v) for k, v in groups.items()))
        return results

    return score


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def http_client(sandbox: LocalSandbox) -> AsyncIterator[Any]:
    """The real app (``create_app``) with code accuracy on the session sandbox, over ASGI."""
    import httpx

    from reward_server.app import create_app
    from reward_server.settings import Settings
    from verifiers.code import CodeTaskAccuracy
    from verifiers.components import default_registry

    settings = Settings(workers=1, quarantine_workers=0, item_timeout=60.0)
    app = create_app(settings, registry=default_registry([CodeTaskAccuracy(sandbox)]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reward-server", timeout=120) as client:
            yield client


@pytest.fixture(scope="session", params=["component", "http"])
def any_score(request: pytest.FixtureRequest, sandbox: LocalSandbox) -> Scorer:
    """The suites that must hold "through HTTP" run once per path."""
    if request.param == "component":
        return component_scorer(sandbox)
    return http_scorer(request.getfixturevalue("http_client"))
