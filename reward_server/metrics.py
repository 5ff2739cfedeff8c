"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["Metrics", "score_flags"]

# A flag is a short identifier chosen by a verifier ("several_answers", "hidden_markup").
# Anything else (a verifier that put answer text there by mistake) is counted as "other",
# so a policy's output can never create metric label values.
_FLAG = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
OTHER_FLAG = "other"


def score_flags(details: Mapping[str, Any]) -> list[str]:
    """The distinct flags in a component result's ``details["flags"]``, in order; ill-formed ones as "other"."""
    raw = details.get("flags")
    if not isinstance(raw, list | tuple):
        return []
    out: list[str] = []
    for flag in raw:
        name = flag if isinstance(flag, str) and _FLAG.match(flag) else OTHER_FLAG
        if name not in out:
            out.append(name)
    return out

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "reward_server_requests", "HTTP requests", ["endpoint", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "reward_server_request_seconds", "HTTP request duration", ["endpoint"],
            buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.component_seconds = Histogram(
            "reward_server_component_seconds",
            "time spent per component per batch (inline checks and worker jobs)",
            ["component"], buckets=_LATENCY_BUCKETS, registry=r,
        )
        self.items = Counter("reward_server_items_scored", "items scored", ["status"], registry=r)
        self.timeouts = Counter("reward_server_timeouts", "checks that hit a deadline", registry=r)
        self.worker_restarts = Gauge(
            "reward_server_worker_restarts", "workers replaced (killed at a deadline or died)", registry=r
        )
        self.sandbox_runs = Counter(
            "reward_server_sandbox_runs", "code sandbox runs", ["outcome"], registry=r
        )
        self.queue_depth = Gauge("reward_server_queue_depth", "scoring requests waiting for a slot", registry=r)
        self.in_flight = Gauge("reward_server_requests_in_flight", "scoring requests being worked on", registry=r)
        self.memo_hits = Counter("reward_server_memo_hits", "verdicts answered from the memo", registry=r)
        self.flags = Counter(
            "reward_server_flags",
            "items whose component result carries a flag (details.flags: what a policy tried)",
            ["component", "flag"], registry=r,
        )

    def count_flags(self, results: Iterable[Mapping[str, Any]]) -> None:
        """Count each item's flags once per component; ``results`` map a component name to its details."""
        for by_component in results:
            for component, details in by_component.items():
                for flag in score_flags(details):
                    self.flags.labels(component, flag).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
