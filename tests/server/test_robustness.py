"""A real server (uvicorn, process workers): pathological input, killed workers.

These start ``reward-server serve`` as a subprocess, exactly as a user would.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import RunningServer, descendants, running, start_server, stop_server
from tests.server.waiting import in_flight, until

pytestmark = pytest.mark.slow

PATHOLOGICAL = [
    "\\boxed{9^{9^{9^{9}}}}",
    "\\boxed{10^{10^{10^{10}}}}",
    "\\boxed{" + "(" * 400 + "x" + ")" * 400 + "}",
    "\\boxed{99999999!}",
    "\\boxed{(2^{2^{30}}+1)^2}",
    "\\boxed{" + "\\frac{1}{" * 60 + "2" + "}" * 60 + "}",
    "\\boxed{" + "+".join(["x"] * 1500) + "}",
    "word " * 20_000 + "\\boxed{12}",
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    s = start_server(
        {
            "REWARD_SERVER_WORKERS": "2",
            "REWARD_SERVER_ITEM_TIMEOUT": "3",
            "REWARD_SERVER_QUARANTINE_TIMEOUT": "1.5",
            "REWARD_SERVER_REQUEST_TIMEOUT": "15",
        }
    )
    yield s
    stop_server(s)


def test_pathological_batch_is_bounded_while_others_are_served(server: RunningServer) -> None:
    """Normal requests sent while the pathological batch is in flight are answered, right, before it.

    Outcomes and order, not durations (this machine has 2 shared cores; latencies live in
    ``bench/``). The thread only records what it got: assertions run here, in the test's
    thread, where a failure fails the test.
    """
    items = [{"completion": c, "reference": "12" if "word" in c else "1"} for c in PATHOLOGICAL]
    normal = {"items": [{"completion": "\\boxed{x^2+2x+1}", "reference": "(x+1)^2"}], "components": {"accuracy": 1}}
    events: list[str] = []
    normal_scores: list[object] = []
    batch: dict[str, httpx.Response] = {}

    def pathological() -> None:
        batch["response"] = server.post("/v1/score", {"items": items, "components": {"accuracy": 1.0}})
        events.append("batch")

    other = threading.Thread(target=pathological)
    other.start()
    until(lambda: in_flight(server.url) >= 1 or not other.is_alive(), "the pathological batch is in flight")
    assert other.is_alive(), "the pathological batch finished before normal traffic could be sent"
    for _ in range(3):
        r = server.post("/v1/score", normal)
        normal_scores.append(r.json()["results"][0]["components"]["accuracy"])
        events.append("normal")
    other.join(timeout=60)
    assert not other.is_alive()
    assert normal_scores == [1.0, 1.0, 1.0]
    assert events == ["normal", "normal", "normal", "batch"], events  # not queued behind the batch
    response = batch["response"]
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(items)
    assert {r["status"] for r in results} <= {"ok", "timeout"}, results
    for r in results:
        assert r["components"]["accuracy"] in (0.0, 1.0)
    assert results[-1]["components"]["accuracy"] == 1.0  # the long completion is fine
    assert server.get("/health").status_code == 200


def test_killed_workers_are_replaced(server: RunningServer) -> None:
    body = {"items": [{"completion": "\\boxed{(x-3)(x+3)}", "reference": "x^2-9"}], "components": {"accuracy": 1}}
    assert server.post("/v1/score", body).json()["results"][0]["components"]["accuracy"] == 1.0
    # workers are grandchildren: server -> forkserver -> worker
    forkservers = [p for p in descendants(server.proc.pid) if descendants(p)]
    workers = [w for f in forkservers for w in descendants(f)]
    assert workers
    for w in workers:
        os.kill(w, signal.SIGKILL)
    body["items"][0]["completion"] = "\\boxed{(x-4)(x+4)}"
    body["items"][0]["reference"] = "x^2-16"
    result = server.post("/v1/score", body).json()["results"][0]
    assert result["components"]["accuracy"] == 1.0, result
    assert server.get("/health").status_code == 200


def test_sigterm_drains_in_flight_requests_and_leaves_no_child() -> None:
    server = start_server({"REWARD_SERVER_WORKERS": "1", "REWARD_SERVER_SHUTDOWN_GRACE": "20"})
    try:
        children = descendants(server.proc.pid)
        assert children  # workers, forkserver, sandbox zygotes
        outcome: dict[str, object] = {}

        def send() -> None:
            items = [{"completion": f"\\boxed{{(x+{i})^2}}", "reference": f"x^2+{2 * i}x+{i * i}"} for i in range(120)]
            response = server.post("/v1/score", {"items": items, "components": {"accuracy": 1}})
            outcome["status"] = response.status_code
            outcome["scores"] = [r["components"]["accuracy"] for r in response.json()["results"]]

        worker = threading.Thread(target=send)
        worker.start()
        until(lambda: in_flight(server.url) >= 1 or "status" in outcome, "the request is in flight")
        assert "status" not in outcome, "the request finished before SIGTERM could be sent"
        server.proc.send_signal(signal.SIGTERM)
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert server.proc.wait(timeout=30) == 0
        assert outcome["status"] == 200
        assert outcome["scores"] == [1.0] * 120
        # orphans are re-parented and reaped: wait for that instead of guessing how long it takes
        try:
            until(lambda: not any(running(c) for c in children), "every child exits", timeout=15)
        except AssertionError:
            pytest.fail(f"left running: {[c for c in children if running(c)]}")
    finally:
        if server.proc.poll() is None:
            stop_server(server)
