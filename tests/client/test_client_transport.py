"""Retries, backoff, fail over, headers and splitting, with a mock transport (exact and fast)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reward_server.client import (
    AsyncRewardClient,
    RewardClientError,
    RewardClient,
    RewardRequestError,
    RewardUnavailableError,
    split_batch,
)

Handler = Callable[[httpx.Request], httpx.Response]


def answer(request: httpx.Request) -> httpx.Response:
    """A fake service: reward = the item's position in its request, echoing ids."""
    items = json.loads(request.content)["items"]
    results = [
        {
            "id": it.get("id"),
            "reward": float(i),
            "components": {"accuracy": 1.0},
            "status": "ok",
            "details": {},
        }
        for i, it in enumerate(items)
    ]
    return httpx.Response(200, json={"results": results})


class Recorder:
    """Answers with a script of responses (an int status, an exception, or the fake service)."""

    def __init__(self, script: list[int | Exception | None]) -> None:
        self.script = script
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script.pop(0) if self.script else None
        if isinstance(step, Exception):
            raise step
        if isinstance(step, int):
            return httpx.Response(step, json={"error": "x", "message": f"status {step}"})
        return answer(request)

    @property
    def hosts(self) -> list[str]:
        return [r.url.host for r in self.requests]


def client(recorder: Recorder, **options: Any) -> RewardClient:
    options.setdefault("backoff", 0.001)
    return RewardClient(["http://a", "http://b"], transport=httpx.MockTransport(recorder), **options)


ITEMS = [{"id": i, "completion": "x"} for i in range(5)]


@pytest.mark.parametrize(
    "failure",
    [
        500,
        502,
        503,
        504,
        429,
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("eof"),
    ],
)
def test_retries_connection_errors_and_5xx_on_the_next_url(failure: int | Exception) -> None:
    rec = Recorder([failure, failure])
    results = client(rec).score(ITEMS)
    assert [r.id for r in results] == list(range(5))
    assert len(rec.requests) == 3
    assert rec.hosts[1] != rec.hosts[0] and rec.hosts[2] == rec.hosts[0]  # fail over, in turn


def test_gives_up_after_max_retries() -> None:
    rec = Recorder([503] * 10)
    with pytest.raises(RewardUnavailableError, match="3 tries failed.*HTTP 503"):
        client(rec, max_retries=2).score(ITEMS)
    assert len(rec.requests) == 3


@pytest.mark.parametrize("status", [400, 404, 413, 422])
def test_4xx_is_not_retried(status: int) -> None:
    rec = Recorder([status])
    with pytest.raises(RewardRequestError) as info:
        client(rec).score(ITEMS)
    assert info.value.status_code == status and info.value.message == f"status {status}"
    assert len(rec.requests) == 1


def test_requests_spread_over_urls() -> None:
    rec = Recorder([])
    c = client(rec)
    for _ in range(4):
        c.score(ITEMS)
    assert rec.hosts == ["a", "b", "a", "b"]


def test_api_key_headers() -> None:
    rec = Recorder([])
    client(rec, api_key="k1").score(ITEMS)
    client(rec, api_key="k2", api_key_header="X-API-Key").score(ITEMS)
    assert rec.requests[0].headers["authorization"] == "Bearer k1"
    assert rec.requests[1].headers["x-api-key"] == "k2" and "authorization" not in rec.requests[1].headers


def test_body_is_the_score_contract() -> None:
    rec = Recorder([])
    client(rec).score([{"completion": "é"}], {"accuracy": 1.0})
    request = rec.requests[0]
    assert request.url.path == "/v1/score" and request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"items": [{"completion": "é"}], "components": {"accuracy": 1.0}}


def test_split_requests_and_order() -> None:
    rec = Recorder([])
    items = [{"id": i, "completion": "x"} for i in range(10)]
    results = client(rec, max_batch_size=4).score(items)
    assert [r.id for r in results] == list(range(10))
    assert sorted(len(json.loads(r.content)["items"]) for r in rec.requests) == [2, 4, 4]


def test_split_keeps_groups_whole() -> None:
    items = [{"group": g} for g in ["a", "b", "a", "c", "b", "a", "c"]] + [{}, {}]
    chunks = split_batch(items, 4)
    for chunk in chunks:
        groups = {items[i].get("group") for i in chunk} - {None}
        for g in groups:
            assert all(items[i].get("group") != g for other in chunks if other is not chunk for i in other)
    assert sorted(i for c in chunks for i in c) == list(range(9))
    assert split_batch(items, 100) == [list(range(9))]


def test_wrong_result_count_is_an_error() -> None:
    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"results": []})

    c = RewardClient("http://a", transport=httpx.MockTransport(short))
    with pytest.raises(RewardClientError) as caught:
        c.score(ITEMS)
    # neither a refusal nor an outage: a broken answer (no retry would fix it)
    assert not isinstance(caught.value, RewardRequestError | RewardUnavailableError)


def test_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVER_URL", "http://x:1/, http://y:2")
    monkeypatch.setenv("REWARD_SERVER_API_KEY", "envkey")
    rec = Recorder([])
    c = RewardClient(transport=httpx.MockTransport(rec))
    assert c.urls == ["http://x:1", "http://y:2"]
    c.score(ITEMS)
    assert rec.requests[0].headers["authorization"] == "Bearer envkey"


async def test_async_retries_and_coalescing() -> None:
    rec = Recorder([httpx.ConnectError("refused")])
    c = AsyncRewardClient(["http://a", "http://b"], transport=httpx.MockTransport(rec), backoff=0.001)
    results = await asyncio.gather(*(c.score_one({"id": i, "completion": "x"}) for i in range(20)))
    assert [r.id for r in results] == list(range(20))
    assert [r.reward for r in results] == [float(i) for i in range(20)]  # one request, in call order
    assert len(rec.requests) == 2  # the refused try, then one request for all
    groups = [it["group"] for it in json.loads(rec.requests[1].content)["items"]]
    assert len(set(groups)) == 20


async def test_async_failure_reaches_every_coalesced_caller() -> None:
    rec = Recorder([422])
    c = AsyncRewardClient("http://a", transport=httpx.MockTransport(rec))
    outcomes = await asyncio.gather(
        *(c.score_one({"completion": "x"}) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(o, RewardRequestError) for o in outcomes)


def test_imports_nothing_heavy() -> None:
    """A trainer environment needs only httpx: the client and adapters import no service code."""
    code = (
        "import sys, reward_server.client, reward_server.adapters.trl, reward_server.adapters.verl, "
        "reward_server.adapters.openrlhf\n"
        "heavy = {'fastapi', 'pydantic', 'starlette', 'uvicorn', 'verifiers', 'sympy', 'torch', 'trl', 'numpy', "
        "'transformers', 'pebble'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
