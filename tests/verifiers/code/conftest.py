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
