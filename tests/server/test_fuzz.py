"""Bad input never earns a 5xx: schema-driven fuzzing plus hand-made hostile bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from reward_server.app import create_app
from reward_server.pool import ThreadPool
from reward_server.settings import Settings

schemathesis = pytest.importorskip("schemathesis")


def _app() -> FastAPI:
    return create_app(
        Settings(sandbox="none", item_timeout=2, request_timeout=10),
        pool_factory=lambda s: ThreadPool(2),
    )


@pytest.fixture(scope="module")
def live() -> Iterator[TestClient]:
    with TestClient(_app()) as client:
        yield client


# Nothing is started at import: the schema needs no service, and schemathesis starts the
# app's lifespan for the first case of a test and ends it at that test's teardown.
FUZZED = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", FUZZED)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_schema_fuzz_never_5xx(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text


HOSTILE: list[tuple[bytes, str]] = [
    (b"{not json", "application/json"),
    (b"", "application/json"),
    (b"\xff\xfe\xfd garbage", "application/json"),
    (b'{"items": [{"completion": "\xff\xfe"}]}', "application/json"),
    (b'{"items": [{"completion": "x"}]}', "text/plain"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json"),
    (b'{"items": ' + b'{"a": ' * 10_000 + b"1" + b"}" * 10_000 + b"}", "application/json"),
    (b'{"items": [{"completion": "x", "reference": ' + b"[" * 5000 + b"]" * 5000 + b"}]}", "application/json"),
    (b'{"items": [{"completion": null}]}', "application/json"),
    (b'{"items": [{"completion": "x", "completion_tokens": -1}]}', "application/json"),
    (b'{"items": [{"completion": "x", "id": {"nested": true}}]}', "application/json"),
    (b'{"items": [{"completion": "x"}], "components": {"accuracy": 1e400}}', "application/json"),
    (b'{"items": [{"completion": "x"}], "components": {"accuracy": {"weight": "heavy"}}}', "application/json"),
    (b'{"items": [{"completion": "x"}], "components": []}', "application/json"),
    (b'{"items": [{"completion": "\\ud800"}]}', "application/json"),
    (b'{"items": [{"completion": "x", "group": 1.5}]}', "application/json"),
]


@pytest.mark.parametrize(("body", "content_type"), HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_bodies_never_5xx(live: TestClient, body: bytes, content_type: str) -> None:
    response = live.post("/v1/score", content=body, headers={"content-type": content_type})
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()) == {"error", "message", "details"}


def test_huge_batch_of_garbage_scores(live: TestClient) -> None:
    items = [{"completion": "\\" * 2000 + "{" * 1000 + "$" * 1000, "reference": "}" * 10} for _ in range(200)]
    response = live.post("/v1/score", json={"items": items})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 200


def test_nothing_is_left_running_by_the_fuzz_app() -> None:
    """The fuzzed app's lifespan ran with the schema test and ended with it (its pool closed)."""
    if not hasattr(FUZZED.state, "service"):
        pytest.skip("test_schema_fuzz_never_5xx did not run in this session")
    assert FUZZED.state.ready is False
