"""Load with faults against one real instance: nothing lost, nothing wrong, it recovers.

A short run of ``bench/bench_load.py``; the long one is ``python -m bench.bench_load --faults``.
"""

from __future__ import annotations

import pytest

from bench.bench_load import run_load
from tests.conftest import start_server, stop_server

pytestmark = pytest.mark.slow


def test_load_with_faults() -> None:
    server = start_server({"REWARD_SERVER_ITEM_TIMEOUT": "3", "REWARD_SERVER_REQUEST_TIMEOUT": "60"})
    try:
        report = run_load(server.url, server.proc.pid, clients=4, seconds=8, faults=True, with_code=True)
        summary = report.summary()
        print(summary)
        assert report.requests > 20
        assert not report.errors, report.errors[:5]
        assert not report.wrong, report.wrong[:5]
        assert any("killed math worker" in f for f in report.faults)
        assert any("killed code executor" in f for f in report.faults)
        assert any("code attack batch: HTTP 200" in f for f in report.faults)
        assert report.rss_after_mb - report.rss_before_mb < 600
        # recovered: a fresh round scores everything right
        after = run_load(server.url, None, clients=2, seconds=2, faults=False, with_code=True)
        assert not after.errors and not after.wrong and after.requests > 0
        assert server.get("/ready").status_code == 200
    finally:
        stop_server(server)
