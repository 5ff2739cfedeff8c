"""Ray Serve: the same app on a local Ray head with two replicas, scored over HTTP.

Slow (about 40 s here). Starts its own head (``ray start --head``) and stops it with
``ray stop``, which ends every Ray process of this user: so it skips when a Ray cluster is
already running on the machine instead of killing someone else's.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.deploy._util import REPO, tail, tool

SERVE_APP = REPO / "deploy" / "ray" / "serve_app.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ray_running() -> bool:
    """A Ray node of any user on this machine (its GCS server or raylet process)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() in ("gcs_server", "raylet"):
                    return True
        except OSError:
            continue
    return False


def get(url: str, body: object | None = None, timeout: float = 60) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


@pytest.fixture
def ray_head() -> Iterator[str]:
    if importlib.util.find_spec("ray") is None or importlib.util.find_spec("ray.serve") is None:
        pytest.skip("ray[serve] not installed (pip install -e '.[ray]')")
    ray = tool("ray")
    if ray is None:
        pytest.skip("the ray command is not on PATH")
    if ray_running():
        pytest.skip("a Ray cluster already runs on this machine; `ray stop` would end it")
    temp = tempfile.mkdtemp(prefix="rs-ray-", dir="/tmp")  # short: Ray's socket paths live here
    address = f"127.0.0.1:{free_port()}"
    start = [
        ray, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={address.split(':')[1]}",
        "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp}",
    ]  # fmt: skip
    proc = subprocess.run(start, check=False, capture_output=True, text=True, timeout=180)
    try:
        assert proc.returncode == 0, tail(proc.stdout + proc.stderr)
        yield address
    finally:
        subprocess.run([ray, "stop"], check=False, capture_output=True, timeout=120)
        shutil.rmtree(temp, ignore_errors=True)


def replica_states(address: str) -> dict[str, int]:
    code = (
        "import json, ray\nfrom ray import serve\n"
        f"ray.init(address={address!r}, logging_level='ERROR')\n"
        "app = serve.status().applications['reward-server']\n"
        "states = {}\n"
        "for d in app.deployments.values():\n"
        "    for k, v in d.replica_states.items():\n"
        "        states[str(getattr(k, 'value', k))] = v\n"
        "print('STATES=' + json.dumps(states))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("STATES="))
    return {k: int(v) for k, v in json.loads(line[len("STATES=") :]).items()}


@pytest.mark.slow
def test_two_replicas_score_a_batch_over_http(ray_head: str) -> None:
    port = free_port()
    t0 = time.monotonic()
    deploy = subprocess.run(
        [sys.executable, str(SERVE_APP), "--address", ray_head, "--replicas", "2", "--workers", "1",
         "--host", "127.0.0.1", "--port", str(port)],
        check=False, capture_output=True, text=True, timeout=300, cwd=REPO,
        env={**os.environ, "REWARD_SERVER_LOG_LEVEL": "warning"},
    )  # fmt: skip
    assert deploy.returncode == 0, tail(deploy.stdout + deploy.stderr)
    base = f"http://127.0.0.1:{port}"
    assert replica_states(ray_head).get("RUNNING") == 2

    # Both replicas answer, each with its own sandbox uid block when running as root.
    uids = set()
    for _ in range(40):
        status, health = get(base + "/health")
        assert status == 200 and health["status"] == "ok"
        assert "code" in health["tasks"]
        uids.add(health["sandbox"]["layers"]["uid"])
    if os.geteuid() == 0:
        assert len(uids) == 2 and None not in uids, f"replicas share or lack sandbox uids: {uids}"
    assert get(base + "/ready")[0] == 200

    fence = "```"
    ref = {"tests": [{"input": "2 3\n", "output": "5\n"}]}
    items = [
        {"id": "m1", "completion": "<think>36 / 2</think>\n<answer>18</answer>", "reference": "#### 18"},
        {"id": "m2", "completion": "<think>hm</think>\n<answer>\\frac{\\sqrt{8}}{2}</answer>", "reference": "\\sqrt{2}"},
        {"id": "m3", "completion": "<think>a</think><think>b</think><answer>7</answer>", "reference": "18"},
        {"id": "c1", "task": "code", "reference": ref,
         "completion": f"<think>add</think>\n<answer>{fence}python\nprint(sum(map(int, input().split())))\n{fence}</answer>"},
    ]  # fmt: skip
    want = {"m1": (1.0, 1.0), "m2": (1.0, 1.0), "m3": (0.0, 0.0), "c1": (1.0, 1.0)}
    for _ in range(4):  # several calls, so both replicas score
        status, body = get(base + "/v1/score", {"items": items})
        assert status == 200, body
        assert [r["id"] for r in body["results"]] == list(want)
        for r in body["results"]:
            assert (r["components"]["accuracy"], r["components"]["format"]) == want[r["id"]], r
    status, err = get(base + "/v1/score", {"items": [{"completion": 3}]})
    assert status == 422 and err["error"] == "invalid_request"
    print(f"ray serve: deployed and scored in {time.monotonic() - t0:.1f} s")
