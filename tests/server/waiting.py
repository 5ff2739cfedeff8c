"""Wait for a state change, not for a guessed duration (this machine has 2 shared cores).

``until`` polls a condition with a generous deadline; ``in_flight`` reads a running
server's ``reward_server_requests_in_flight`` gauge, so "a request is being worked on" is
something a test observes rather than assumes after a ``sleep``. :class:`Gated` is a
component whose job waits until the test opens its gate: a request holding a slot is a
fact, not a duration.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import httpx

from verifiers.types import Job, Sample, Score

__all__ = ["Gated", "in_flight", "until"]

_IN_FLIGHT = re.compile(r"^reward_server_requests_in_flight (\S+)$", re.MULTILINE)


def until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


def in_flight(base_url: str) -> int:
    """Scoring requests a running server is working on now (its Prometheus gauge)."""
    text = httpx.get(base_url + "/metrics", timeout=10).text
    match = _IN_FLIGHT.search(text)
    return int(float(match.group(1))) if match else 0


def _wait_for(gate: threading.Event) -> Score:
    gate.wait(60)
    return Score(1.0)


@dataclass(frozen=True)
class GateConfig:
    pass


class Gated:
    """Holds its request in the limiter's slot until the test opens the gate (thread pools only)."""

    name = "gated"
    config_type = GateConfig
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.gate = threading.Event()

    def evaluate(self, sample: Sample, config: GateConfig) -> Job:
        return Job(fn=_wait_for, args=(self.gate,))
