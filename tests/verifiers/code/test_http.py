"""Code accuracy wired into the real app: parameter validation and the service staying up."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifiers.code.conftest import fence

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_bad_parameter_is_rejected_before_work(http_client: Any) -> None:
    body = {
        "items": [{"completion": fence("print(1)"), "reference": {"tests": [{"input": "", "output": "1"}]}, "task": "code"}],
        "components": {"accuracy": {"weight": 1.0, "mode": "best_of"}},
    }
    resp = await http_client.post("/v1/score", json=body)
    assert resp.status_code == 422, resp.text


async def test_mixed_math_and_code_batch(http_client: Any) -> None:
    body = {
        "items": [
            {"completion": fence("print(int(input()) * 2)"), "reference": {"tests": [{"input": "21", "output": "42"}]}, "task": "code"},
            {"completion": "no code, sorry", "reference": {"tests": [{"input": "", "output": "1"}]}, "task": "code"},
            {"completion": "The answer is \\boxed{42}.", "reference": "42", "task": "math"},
        ],
        "components": {"accuracy": 1.0},
    }
    resp = await http_client.post("/v1/score", json=body)
    assert resp.status_code == 200, resp.text
    res = resp.json()["results"]
    assert [r["details"]["accuracy"]["status"] for r in res] == ["ok", "no_code", "ok"]
    assert [r["reward"] for r in res] == [1.0, 0.0, 1.0]
    health = await http_client.get("/health")
    assert health.status_code == 200
