"""The compat endpoints go through /v1/score's path: API key, item limit, limiter (429), metrics.

OpenRLHF and slime send no headers, so a key may come in the URL (``?api_key=``); both
ways are tested on both endpoints, with and without a named spec in the path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AppFactory
from tests.server.waiting import Gated, until
from verifiers.components import default_registry

GOOD = "<think>2 and 2 make 4</think>\n<answer>4</answer>"
PROMPT = "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n"
BODIES: dict[str, dict[str, Any]] = {
    "/compat/openrlhf": {"query": [PROMPT + GOOD + "<|im_end|>"], "prompts": [PROMPT], "labels": ["4"]},
    "/compat/slime": {"prompt": "2+2?", "response": GOOD, "label": "4"},
}
PATHS = [*BODIES, *(p + "/r1" for p in BODIES)]
KEY = "k-alpha_1.2~x"


def body_for(path: str) -> dict[str, Any]:
    return BODIES[path.removesuffix("/r1")]


def reward_of(path: str, response: Any) -> float:
    data = response.json()
    return float(data["rewards"][0] if "openrlhf" in path else data["reward"])


@pytest.fixture
def keyed(make_client: AppFactory) -> TestClient:
    return make_client(api_keys=f"{KEY},other-key")


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("query", "headers", "status"),
    [
        ("", {}, 401),  # no key
        ("?api_key=wrong", {}, 401),
        ("?api_key=", {}, 401),
        (f"?api_key={KEY}x", {}, 401),  # a longer key is not a match
        (f"?api_key={KEY}", {}, 200),
        ("?api_key=other-key", {}, 200),
        ("", {"Authorization": f"Bearer {KEY}"}, 200),
        ("?api_key=wrong", {"Authorization": f"Bearer {KEY}"}, 200),  # the header wins
        (f"?api_key={KEY}", {"Authorization": "Bearer wrong"}, 401),  # ... either way
    ],
)
def test_compat_needs_the_key(
    keyed: TestClient, path: str, query: str, headers: dict[str, str], status: int
) -> None:
    response = keyed.post(path + query, json=body_for(path), headers=headers)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "http_error"
    else:
        assert reward_of(path, response) == 2.0


def test_without_configured_keys_compat_stays_open(client: TestClient) -> None:
    for path in PATHS:
        assert client.post(path, json=body_for(path)).status_code == 200, path


def test_v1_score_takes_no_key_in_the_url(keyed: TestClient) -> None:
    """The weaker URL form is only for the clients that cannot send a header."""
    item = {"completion": GOOD, "reference": "4"}
    assert keyed.post(f"/v1/score?api_key={KEY}", json={"items": [item]}).status_code == 401


# ---- the limiter: a component whose job waits for a gate, so "a request is in flight" is a fact


@pytest.fixture
def held(make_client: AppFactory) -> Iterator[tuple[TestClient, Gated]]:
    """A client whose only scoring slot is taken by a request waiting at the gate."""
    gated = Gated()
    client = make_client(
        registry=default_registry([gated]),
        max_concurrent_requests=1,
        max_queued_requests=0,
        item_timeout=60,
        api_keys=KEY,
    )
    codes: list[int] = []
    holder = threading.Thread(
        target=lambda: codes.append(
            client.post(
                "/v1/score",
                json={"items": [{"completion": "x"}], "components": {"gated": 1}},
                headers={"Authorization": f"Bearer {KEY}"},
            ).status_code
        )
    )
    holder.start()
    limiter = client.app.state.service.limiter  # type: ignore[attr-defined]
    until(lambda: limiter.active == 1, "the holding request took the slot")
    try:
        yield client, gated
    finally:
        gated.gate.set()
        holder.join()
    assert codes == [200]


@pytest.mark.parametrize("path", PATHS)
def test_compat_over_the_limit_is_429(held: tuple[TestClient, Gated], path: str) -> None:
    client, gated = held
    response = client.post(f"{path}?api_key={KEY}", json=body_for(path))
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"] == "overloaded"
    gated.gate.set()
    limiter = client.app.state.service.limiter  # type: ignore[attr-defined]
    until(lambda: limiter.active == 0, "the holding request finished")
    assert client.post(f"{path}?api_key={KEY}", json=body_for(path)).status_code == 200


def test_an_empty_openrlhf_shard_needs_no_slot(held: tuple[TestClient, Gated]) -> None:
    """An empty shard does no work, so it is answered even when the service is full."""
    client, _ = held
    response = client.post(f"/compat/openrlhf?api_key={KEY}", json={"query": [], "prompts": [], "labels": []})
    assert response.status_code == 200 and response.json()["rewards"] == []


def test_compat_item_limit_is_413(make_client: AppFactory) -> None:
    client = make_client(max_items=2)
    one = BODIES["/compat/openrlhf"]
    three = {k: v * 3 for k, v in one.items()}
    response = client.post("/compat/openrlhf", json=three)
    assert response.status_code == 413 and "limit" in response.json()["message"]
    assert client.post("/compat/openrlhf", json=one).status_code == 200


def test_compat_is_counted_in_metrics(client: TestClient) -> None:
    for path in PATHS:
        client.post(path, json=body_for(path))
    text = client.get("/metrics").text
    assert 'reward_server_requests_total{endpoint="/compat/openrlhf",status="200"} 1.0' in text
    assert 'reward_server_requests_total{endpoint="/compat/slime/{spec}",status="200"} 1.0' in text
    assert 'reward_server_items_scored_total{status="ok"} 4.0' in text


def test_compat_scores_through_the_service_call_of_v1_score(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One path: every route scores through ``RewardService.score`` (no second copy)."""
    service = client.app.state.service  # type: ignore[attr-defined]
    calls: list[int] = []
    real = service.score

    async def counting(items: Any, plan: Any, request_id: Any = None) -> Any:
        calls.append(len(items))
        return await real(items, plan, request_id)

    monkeypatch.setattr(service, "score", counting)
    client.post("/v1/score", json={"items": [{"completion": GOOD, "reference": "4"}]})
    for path in PATHS:
        client.post(path, json=body_for(path))
    assert calls == [1, 1, 1, 1, 1]
