"""Load and fault run against one service instance.

N clients post mixed batches (math of several answer kinds, format, code) for a bounded
time. Each batch carries labels, so every response is checked: one result per item, in
order, with the expected accuracy. With ``--faults``, during the run: a math worker is
killed mid-batch, the code executor (zygote) is killed, and the pathological math batch
and a code attack batch are sent. Reports throughput, request latency p50/p99, errors,
wrong or reordered items, and the service's memory (RSS of it and its children) before
and after.

    python -m bench.bench_load --clients 6 --seconds 30 --faults
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import descendants

MATH = [
    ("\\boxed{18}", "#### 18", 1.0),
    ("<think>r</think><answer>\\frac{1}{2}</answer>", "0.5", 1.0),
    ("The final answer is $(x+1)^2$.", "x^2+2x+1", 1.0),
    ("\\boxed{(1,3]}", "[1,3]", 0.0),
    ("\\boxed{4+8i}", "8i+4", 1.0),
    ("<think>truncated $18$", "18", 0.0),
    ("\\boxed{\\sqrt{80}}", "4\\sqrt{5}", 1.0),
    ("\\boxed{\\{8,-1\\}}", "-1, 8", 1.0),
]
CODE_OK = ("```python\nprint(int(input()) * 2)\n```", {"tests": [{"input": "3", "output": "6"}]}, 1.0)
CODE_BAD = ("```python\nprint(int(input()) + 2)\n```", {"tests": [{"input": "3", "output": "6"}]}, 0.0)
PATHOLOGICAL = ["\\boxed{9^{9^{9^{9}}}}", "\\boxed{10^{10^{10^{10}}}}", "\\boxed{(2^{2^{30}}+1)^2}", "\\boxed{99999999!}"]
ATTACKS = [
    "```python\nwhile True: pass\n```",
    "```python\nimport os\nwhile True: os.fork()\n```",
    "```python\nx = bytearray(1 << 34)\n```",
    "```python\nimport sys; sys.exit(0)\n```",
]


@dataclass
class Report:
    requests: int = 0
    items: int = 0
    errors: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rss_before_mb: float = 0.0
    rss_after_mb: float = 0.0
    faults: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies) or [0.0]
        return {
            "requests": self.requests,
            "items": self.items,
            "items_per_s": round(self.items / self.seconds, 1) if self.seconds else 0,
            "p50_ms": round(statistics.median(lat) * 1000, 1),
            "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000, 1),
            "errors": len(self.errors),
            "wrong_or_reordered": len(self.wrong),
            "rss_before_mb": round(self.rss_before_mb, 1),
            "rss_after_mb": round(self.rss_after_mb, 1),
            "faults": self.faults,
        }


def _batch(rng: random.Random, size: int, with_code: bool) -> tuple[list[dict[str, Any]], list[float]]:
    items, expected = [], []
    for i in range(size):
        if with_code and i % 8 == 7:
            completion, reference, score = rng.choice([CODE_OK, CODE_BAD])
            items.append({"id": i, "task": "code", "completion": completion, "reference": reference})
        else:
            completion, reference, score = rng.choice(MATH)
            items.append({"id": i, "completion": completion, "reference": reference})
        expected.append(score)
    return items, expected


def _client_loop(url: str, stop: float, seed: int, with_code: bool, report: Report, lock: threading.Lock) -> None:
    rng = random.Random(seed)
    with httpx.Client(timeout=120) as client:
        while time.monotonic() < stop:
            items, expected = _batch(rng, rng.choice([8, 16, 64]), with_code)
            started = time.monotonic()
            try:
                response = client.post(url + "/v1/score", json={"items": items, "components": {"accuracy": 1}})
            except httpx.HTTPError as exc:
                with lock:
                    report.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.monotonic() - started
            with lock:
                report.requests += 1
                report.latencies.append(elapsed)
                if response.status_code != 200:
                    report.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
                    continue
                results = response.json()["results"]
                report.items += len(results)
                if [r["id"] for r in results] != [it["id"] for it in items]:
                    report.wrong.append("items lost or reordered")
                for r, want in zip(results, expected):
                    if r["components"]["accuracy"] != want and r["status"] != "sandbox_error":
                        report.wrong.append(f"item {r['id']}: {r['components']} {r['status']} want {want}")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int) -> float:
    total = 0
    for p in [pid, *descendants(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _faults(url: str, server_pid: int, start: float, report: Report) -> None:
    def at(offset: float) -> None:
        time.sleep(max(0.0, start + offset - time.monotonic()))

    at(1.5)
    workers = [p for p in descendants(server_pid) if "forkserver" in _cmdline(p) and p not in _forkservers(server_pid)]
    if workers:
        os.kill(workers[0], signal.SIGKILL)
        report.faults.append(f"killed math worker {workers[0]}")
    at(3.0)
    zygotes = [p for p in descendants(server_pid) if "zygote.py" in _cmdline(p)]
    if zygotes:
        os.kill(zygotes[0], signal.SIGKILL)
        report.faults.append(f"killed code executor {zygotes[0]}")
    at(4.0)
    with httpx.Client(timeout=120) as client:
        patho = [{"completion": c, "reference": "1"} for c in PATHOLOGICAL]
        r = client.post(url + "/v1/score", json={"items": patho, "components": {"accuracy": 1}})
        report.faults.append(f"pathological math batch: HTTP {r.status_code}")
        attacks = [
            {"task": "code", "completion": c, "reference": {"tests": [{"input": "1", "output": "1"}]}} for c in ATTACKS
        ]
        r = client.post(url + "/v1/score", json={"items": attacks, "components": {"accuracy": 1}})
        scores = [x["components"]["accuracy"] for x in r.json()["results"]] if r.status_code == 200 else []
        report.faults.append(f"code attack batch: HTTP {r.status_code}, scores {scores}")
        if any(s for s in scores):
            report.wrong.append(f"an attack earned reward: {scores}")


def _forkservers(server_pid: int) -> set[int]:
    return {p for p in descendants(server_pid) if "forkserver" in _cmdline(p) and descendants(p)}


def run_load(url: str, server_pid: int | None, clients: int, seconds: float, faults: bool, with_code: bool) -> Report:
    report = Report()
    lock = threading.Lock()
    if server_pid:
        report.rss_before_mb = rss_mb(server_pid)
    start = time.monotonic()
    stop = start + seconds
    threads = [
        threading.Thread(target=_client_loop, args=(url, stop, seed, with_code, report, lock)) for seed in range(clients)
    ]
    if faults and server_pid:
        threads.append(threading.Thread(target=_faults, args=(url, server_pid, start, report)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report.seconds = time.monotonic() - start
    if server_pid:
        report.rss_after_mb = rss_mb(server_pid)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running service (default: start one)")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--faults", action="store_true")
    parser.add_argument("--no-code", action="store_true")
    args = parser.parse_args()
    if args.url:
        report = run_load(args.url, None, args.clients, args.seconds, False, not args.no_code)
    else:
        from tests.conftest import start_server, stop_server  # noqa: PLC0415

        server = start_server({"REWARD_SERVER_ITEM_TIMEOUT": "3", "REWARD_SERVER_REQUEST_TIMEOUT": "60"})
        try:
            report = run_load(server.url, server.proc.pid, args.clients, args.seconds, args.faults, not args.no_code)
        finally:
            stop_server(server)
    print(json.dumps(report.summary(), indent=2))
    for line in (report.errors + report.wrong)[:20]:
        print("  ", line)


if __name__ == "__main__":
    main()
