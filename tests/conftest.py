"""Shared fixtures: an in-process app with a fake (thread) pool, and a real running server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from reward_server.app import create_app
from reward_server.pool import ThreadPool
from reward_server.settings import Settings
from verifiers.registry import Registry

AppFactory = Callable[..., TestClient]


@pytest.fixture
def make_client() -> Iterator[AppFactory]:
    """Build a TestClient around ``create_app`` with a thread pool (no processes)."""
    clients: list[TestClient] = []

    def make(registry: Registry | None = None, **settings: object) -> TestClient:
        settings.setdefault("sandbox", "none")
        app = create_app(
            Settings(**settings),  # type: ignore[arg-type]
            pool_factory=lambda s: ThreadPool(2),
            registry=registry,
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: AppFactory) -> TestClient:
    return make_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    def __init__(self, proc: subprocess.Popen[bytes], url: str) -> None:
        self.proc = proc
        self.url = url

    def post(self, path: str, json: object, timeout: float = 60) -> httpx.Response:
        return httpx.post(self.url + path, json=json, timeout=timeout)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(self.url + path, timeout=10)


def start_server(env: dict[str, str] | None = None) -> RunningServer:
    port = free_port()
    # a uid range of its own: sandbox cleanup kills by uid, and in-process sandboxes use 61000+
    full_env = {
        **os.environ,
        "REWARD_SERVER_SANDBOX_BASE_UID": "62000",
        **(env or {}),
        "REWARD_SERVER_PORT": str(port),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "reward_server.cli", "serve"],
        env=full_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return RunningServer(proc, url)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not become healthy")


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def running(pid: int) -> bool:
    """Alive and not a zombie (an exited orphan waiting for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop_server(server: RunningServer) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
