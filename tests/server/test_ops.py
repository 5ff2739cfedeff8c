"""Operating the service: limits, API keys, probes, metrics, request ids, logs."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reward_server.logs import JsonFormatter
from tests.conftest import AppFactory
from tests.server.waiting import Gated, until
from verifiers.components import default_registry

ITEM = {"completion": "<think>r</think><answer>4</answer>", "reference": "4"}


def test_body_size_limit(make_client: AppFactory) -> None:
    client = make_client(max_body_bytes=2048)
    response = client.post("/v1/score", json={"items": [{"completion": "x" * 4000}]})
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_body_size_limit_without_content_length(make_client: AppFactory) -> None:
    client = make_client(max_body_bytes=2048)

    def chunks() -> Iterator[bytes]:
        yield b'{"items": [{"completion": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}]}'

    response = client.post("/v1/score", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_overload_answers_429_with_retry_after(make_client: AppFactory) -> None:
    gated = Gated()
    client = make_client(
        registry=default_registry([gated]), max_concurrent_requests=1, max_queued_requests=0, item_timeout=60
    )
    codes: list[int] = []
    holder = threading.Thread(
        target=lambda: codes.append(
            client.post("/v1/score", json={"items": [{"completion": "x"}], "components": {"gated": 1}}).status_code
        )
    )
    holder.start()
    limiter = client.app.state.service.limiter  # type: ignore[attr-defined]
    until(lambda: limiter.active == 1, "the holding request took the only slot")
    try:
        response = client.post("/v1/score", json={"items": [ITEM]})
    finally:
        gated.gate.set()
        holder.join()
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"] == "overloaded"
    assert codes == [200]
    assert client.post("/v1/score", json={"items": [ITEM]}).status_code == 200


def test_queued_requests_wait_their_turn(make_client: AppFactory) -> None:
    """Three requests for one slot: two wait in the queue (not refused), all get 200 once the gate opens."""
    gated = Gated()
    client = make_client(
        registry=default_registry([gated]), max_concurrent_requests=1, max_queued_requests=4, item_timeout=60
    )
    codes: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: codes.append(
                client.post("/v1/score", json={"items": [{"completion": "x"}], "components": {"gated": 1}}).status_code
            )
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    limiter = client.app.state.service.limiter  # type: ignore[attr-defined]
    try:
        until(lambda: limiter.active == 1 and limiter.waiting == 2, "one request works, two wait")
    finally:
        gated.gate.set()
        for t in threads:
            t.join()
    assert codes == [200, 200, 200]


@pytest.fixture
def keyed(make_client: AppFactory) -> TestClient:
    return make_client(api_keys="alpha-key, beta-key")


@pytest.mark.parametrize(
    ("header", "status"),
    [(None, 401), ("Bearer wrong", 401), ("Basic alpha-key", 401), ("Bearer beta-key", 200), ("bearer alpha-key", 200)],
)
def test_api_keys(keyed: TestClient, header: str | None, status: int) -> None:
    headers = {"Authorization": header} if header else {}
    response = keyed.post("/v1/score", json={"items": [ITEM]}, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error"] == "http_error"


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
def test_probes_stay_open(keyed: TestClient, path: str) -> None:
    assert keyed.get(path).status_code == 200


def test_ready_follows_state(client: TestClient) -> None:
    assert client.get("/ready").json() == {"status": "ready"}
    client.app.state.ready = False  # type: ignore[attr-defined]
    assert client.get("/ready").status_code == 503


def test_metrics(client: TestClient) -> None:
    client.post("/v1/score", json={"items": [ITEM, {"completion": "none", "reference": "4"}]})
    text = client.get("/metrics").text
    assert 'reward_server_requests_total{endpoint="/v1/score",status="200"} 1.0' in text
    assert 'reward_server_items_scored_total{status="ok"} 1.0' in text
    assert 'reward_server_items_scored_total{status="no_answer"} 1.0' in text
    assert "reward_server_component_seconds_bucket" in text
    assert "reward_server_queue_depth 0.0" in text
    assert "reward_server_worker_restarts" in text


def test_request_ids(client: TestClient) -> None:
    echoed = client.post("/v1/score", json={"items": [ITEM]}, headers={"X-Request-Id": "trainer-step-7.3"})
    assert echoed.headers["x-request-id"] == "trainer-step-7.3"
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32
    hostile = "id with spaces; and\ttabs" * 10
    assert client.get("/health", headers={"X-Request-Id": hostile}).headers["x-request-id"] != hostile


def test_one_json_log_line_per_request_without_text(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    secret = "<think>PRIVATE-REASONING</think><answer>4</answer>"
    with caplog.at_level(logging.INFO, logger="reward_server.access"):
        client.post("/v1/score", json={"items": [{"completion": secret, "reference": "4"}] * 3})
    records = [r for r in caplog.records if r.name == "reward_server.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["status"] == 200 and line["items"] == 3 and line["path"] == "/v1/score"
    assert "request_id" in line and "duration_ms" in line
    assert "PRIVATE" not in caplog.text


def test_completions_are_logged_only_when_asked(make_client: AppFactory, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(log_completions=True)
    with caplog.at_level(logging.DEBUG, logger="reward_server.items"):
        client.post("/v1/score", json={"items": [{"completion": "<think>VISIBLE</think><answer>4</answer>", "id": 9}]})
    [record] = [r for r in caplog.records if r.name == "reward_server.items"]
    assert "VISIBLE" in record.completion and record.id == 9  # type: ignore[attr-defined]


def test_sandbox_runs_and_failures_are_counted(make_client: AppFactory) -> None:
    from verifiers.code import CodeTaskAccuracy, FakeSandbox

    echo = FakeSandbox(stdout=lambda run: run.stdin)
    broken = FakeSandbox(fail="executor died")
    for sandbox, outcome in ((echo, "ok"), (broken, "sandbox_error")):
        client = make_client(registry=default_registry([CodeTaskAccuracy(sandbox)]))
        item = {"task": "code", "completion": "```python\nprint(input())\n```", "reference": {"tests": [{"input": "7", "output": "7"}]}}
        [result] = client.post("/v1/score", json={"items": [item], "components": {"accuracy": 1}}).json()["results"]
        assert result["status"] == outcome
        assert f'reward_server_sandbox_runs_total{{outcome="{outcome}"}} 1.0' in client.get("/metrics").text


def test_ready_is_503_when_the_pool_keeps_breaking(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    pool = client.app.state.service.scoring.pool  # type: ignore[attr-defined]
    monkeypatch.setattr(pool, "stats", lambda: {"workers": 2, "recent_pool_restarts": 3})
    response = client.get("/ready")
    assert response.status_code == 503
    assert "keeps breaking" in response.json()["reason"]
