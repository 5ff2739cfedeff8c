"""Executions per second of tiny Python tests: the code sandbox vs plain ``subprocess.run``.

Why this benchmark: LeetCode/TACO-style datasets have many tiny tests per problem, so the
per-execution overhead of the sandbox, not the candidate's work, decides how many rewards
per second a trainer gets. The baseline is what a naive reward function does: one
``subprocess.run([python3, "-c", code])`` per test, with no isolation at all, run on every
core (a thread pool of ``--workers``). Both are measured in the same run, on the same
workload, interleaved round by round so a noisy neighbour hurts both alike.

Paths for the sandbox side:

* ``--via component`` (default): :class:`verifiers.code.CodeAccuracy` on the local backend,
  in this process - the service's code path minus HTTP;
* ``--via http --url URL``: ``POST URL/v1/score`` with ``accuracy`` on ``task: code`` items,
  against a running reward-server.

Usage::

    python3 bench/bench_code.py --problems 60 --tests 10 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verifiers.code import CodeAccuracy, CodeConfig, LocalSandbox
from verifiers.code.sandbox.local import sandbox_python
from verifiers.types import Sample

PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"


def workload(problems: int, tests: int) -> list[dict[str, Any]]:
    items = []
    for p in range(problems):
        cases = [{"input": f"{p} {t}\n", "output": f"{p + t}\n"} for t in range(tests)]
        items.append(
            {
                "completion": f"<think>add them</think>\n```python\n{PROGRAM}```\n",
                "reference": {"tests": cases},
                "task": "code",
            }
        )
    return items


def run_subprocess(items: list[dict[str, Any]], workers: int, python: str) -> tuple[float, int]:
    """Plain baseline: one interpreter per test, judged by comparing stdout."""
    jobs = [(t["input"], t["output"]) for item in items for t in item["reference"]["tests"]]

    def one(job: tuple[str, str]) -> bool:
        stdin, expected = job
        out = subprocess.run([python, "-c", PROGRAM], input=stdin, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() == expected.strip()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        passed = sum(pool.map(one, jobs))
    elapsed = time.perf_counter() - start
    assert passed == len(jobs), f"baseline: only {passed}/{len(jobs)} passed"
    return elapsed, len(jobs)


async def run_component(comp: CodeAccuracy, items: list[dict[str, Any]]) -> tuple[float, int]:
    cfg = CodeConfig()
    samples = [Sample(completion=i["completion"], reference=i["reference"], task="code") for i in items]
    start = time.perf_counter()
    scores = await asyncio.gather(*(comp.aevaluate(s, cfg) for s in samples))
    elapsed = time.perf_counter() - start
    bad = [s for s in scores if s.score != 1.0]
    assert not bad, f"sandbox: {len(bad)} items not fully passed, e.g. {bad[0]}"
    return elapsed, sum(len(i["reference"]["tests"]) for i in items)


async def run_http(url: str, items: list[dict[str, Any]]) -> tuple[float, int]:
    import httpx

    body = {"items": items, "components": {"accuracy": 1.0}}
    async with httpx.AsyncClient(timeout=600) as client:
        start = time.perf_counter()
        resp = await client.post(f"{url.rstrip('/')}/v1/score", json=body)
        elapsed = time.perf_counter() - start
    resp.raise_for_status()
    rewards = [r["reward"] for r in resp.json()["results"]]
    assert all(r == 1.0 for r in rewards), f"http: not all items passed: {rewards[:5]}"
    return elapsed, sum(len(i["reference"]["tests"]) for i in items)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=60)
    ap.add_argument("--tests", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="baseline threads and sandbox slots")
    ap.add_argument("--via", choices=("component", "http"), default="component")
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument(
        "--python", default=None, help="interpreter of the baseline (default: the sandbox's, for a fair race)"
    )
    args = ap.parse_args()

    args.python = args.python or sandbox_python()
    items = workload(args.problems, args.tests)
    sandbox = None
    comp = None
    if args.via == "component":
        sandbox = LocalSandbox(slots=args.workers)
        await sandbox.start()
        comp = CodeAccuracy(sandbox)
        await run_component(comp, items[:4])  # warm-up
    base_rates, box_rates = [], []
    try:
        for _ in range(args.rounds):
            t, n = run_subprocess(items, args.workers, args.python)
            base_rates.append(n / t)
            if comp is not None:
                t, n = await run_component(comp, items)
            else:
                t, n = await run_http(args.url, items)
            box_rates.append(n / t)
        layers = sandbox.describe() if sandbox is not None else {"via": args.url}
    finally:
        if sandbox is not None:
            await sandbox.close()
    base, box = statistics.median(base_rates), statistics.median(box_rates)
    report = {
        "executions_per_round": args.problems * args.tests,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "baseline_subprocess_exec_per_s": round(base, 1),
        "sandbox_exec_per_s": round(box, 1),
        "speedup": round(box / base, 2),
        "rounds": {"baseline": [round(r, 1) for r in base_rates], "sandbox": [round(r, 1) for r in box_rates]},
        "via": args.via,
        "baseline_python": args.python,
        "sandbox": layers,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
