"""A real HTTP server around the in-process app (thread pool), for client and adapter tests.

The clients under test speak HTTP over sockets, so they get a uvicorn server on a free
port in a background thread: real requests, no worker processes to start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from reward_server.app import create_app
from reward_server.pool import ThreadPool
from reward_server.settings import Settings
from tests.conftest import free_port


@contextmanager
def live_server(**settings: object) -> Iterator[str]:
    """Serve ``create_app`` (thread pool) on 127.0.0.1; yields the base URL."""
    app = create_app(Settings(**settings), pool_factory=lambda s: ThreadPool(2))  # type: ignore[arg-type]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def dead_url() -> str:
    """A URL where nothing listens (connection refused)."""
    return f"http://127.0.0.1:{free_port()}"
