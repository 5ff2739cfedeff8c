"""Where a symbolic math job's time goes: LaTeX parsing, sympy comparison, IPC, pickling.

Why: issue 11 wants the symbolic path faster with the same verdicts, and the ideas on the
table (parse each reference once, group a request's jobs per worker, a numeric screen
before sympy) pay off only where the time actually is. This measures, on the distinct
symbolic jobs of a benchmark batch (what the worker pool computes; duplicates share one
job):

1. **stages, in this process** (``perf_counter``, no profiler): parse the reference, parse
   the answer, ``verify``; first with the reference cache cleared per job (a job's full
   cost), then with the cache as a worker keeps it;
2. **cProfile** of the same jobs: cumulative time in latex2sympy/antlr (parsing),
   math-verify's normalisation, ``verify``, sympy ``simplify``, ``evalf``, ``subs``;
3. **pickling**: bytes and time to pickle a job's ``(fn, args)`` and its ``Score``;
4. **through the pool** (``reward_server.pool.ProcessPool``, forkserver, the service's
   worker code): one job at a time (round trip minus the worker-side time = IPC and
   scheduling), all jobs in flight (what a request does), and the same verdicts computed
   in one job per worker (the "group a request's jobs" proposal).

Run from the repository root::

    python -m bench.profile_math --mix symbolic --prompts 30
    python -m bench.profile_math --mix easy --prompts 30 --top 25
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import pickle
import pstats
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.grpo_data import MIXES, make_batch
from verifiers.math import MathAccuracy, MathConfig
from verifiers.math import compare
from verifiers.types import Job, Sample, Score

__all__ = ["collect_jobs", "main", "timed_verdict", "verdicts_in_one_job"]

# cProfile functions whose cumulative time is reported: (label, module part, function name)
_BUCKETS: tuple[tuple[str, str, str], ...] = (
    ("math_verify.parse (both sides)", "math_verify/parser", "parse"),
    ("  latex2sympy (LaTeX -> sympy)", "latex2sympy2_extended/latex2sympy2", "latex2sympy"),
    ("    antlr4 parser", "PSParser", "math"),
    ("  normalize_latex (string rules)", "latex2sympy2_extended/math_normalization", "normalize_latex"),
    ("math_verify.verify", "math_verify/grader", "verify"),
    ("  sympy simplify", "sympy/simplify/simplify", "simplify"),
    ("  sympy evalf", "sympy/core/evalf", "evalf"),
    ("imaginary-unit subs (ours)", "verifiers/math/compare", "_with_imaginary_unit"),
)


@dataclass(frozen=True)
class SymJob:
    kind: str
    job: Job
    copies: int  # items of the batch that share this job


def collect_jobs(mix: str, n_prompts: int, per_prompt: int, seed: int) -> tuple[list[SymJob], int]:
    """The distinct symbolic jobs of a batch, as the accuracy component emits them."""
    acc, cfg = MathAccuracy(), MathConfig()
    by_key: dict[Any, SymJob] = {}
    items = make_batch(n_prompts, per_prompt, seed, mix=mix)
    for it in items:
        out = acc.evaluate(Sample(completion=str(it["completion"]), reference=it["reference"]), cfg)
        if isinstance(out, Job):
            prev = by_key.get(out.key)
            by_key[out.key] = SymJob(str(it["kind"]), out, 1 + (prev.copies if prev else 0))
    return list(by_key.values()), len(items)


# --------------------------------------------------------------------------- stages in this process


_POINTS = ((0.6180339887, 1.4142135623, 2.2360679774), (1.7320508075, 0.5772156649, 1.3247179572))


class _Unscreenable(Exception):
    """The value cannot be screened numerically: leave the pair to the exact check."""


def _signature(obj: Any, point: Sequence[float], names: Sequence[str]) -> tuple[Any, ...]:
    """A numeric fingerprint of a parsed value at one point: equal values, equal fingerprints.

    Expressions give their value (30 digits); intervals, unions, finite sets, tuples and
    matrices give their parts' values (sets sorted); an equation gives ``lhs - rhs``, which
    is compared up to a common factor over the points. Floats are unscreenable (math-verify
    rounds them), and so is anything else.
    """
    import sympy

    if isinstance(obj, sympy.Expr) and not isinstance(obj, sympy.MatrixExpr):
        if obj.atoms(sympy.Float):
            raise _Unscreenable
        subs = {v: sympy.Float(point[names.index(str(v))], 30) for v in obj.free_symbols}
        try:
            z = complex(sympy.N(obj.subs(subs), 30))
        except Exception as exc:  # the sympy boundary: whatever evalf cannot do, the exact check does
            raise _Unscreenable from exc
        if z != z:
            raise _Unscreenable
        return ("x", z)
    if isinstance(obj, sympy.Interval):
        return ("I", _signature(obj.start, point, names), _signature(obj.end, point, names), obj.left_open, obj.right_open)
    if isinstance(obj, sympy.Union | sympy.FiniteSet):
        parts = sorted((_signature(a, point, names) for a in obj.args), key=repr)
        return ("U" if isinstance(obj, sympy.Union) else "S", *parts)
    if isinstance(obj, sympy.Tuple):
        return ("T", *(_signature(a, point, names) for a in obj.args))
    if isinstance(obj, sympy.MatrixBase):
        return ("M", obj.shape, *(_signature(a, point, names) for a in obj))
    if isinstance(obj, sympy.Eq):
        return ("E", _signature(obj.lhs - obj.rhs, point, names))
    raise _Unscreenable


def _differ(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool | None:
    """True if two fingerprints surely differ, False if they agree, None if not comparable."""
    if a[0] != b[0] or len(a) != len(b):
        return None  # another type: math-verify may still relate them (sets vs tuples, ...)
    if a[0] == "x":
        va, vb = a[1], b[1]
        return abs(va - vb) > 1e-4 * max(1.0, abs(va))
    out: bool | None = False
    for x, y in zip(a[1:], b[1:], strict=True):
        if isinstance(x, tuple) and isinstance(y, tuple):
            d = _differ(x, y)
        else:
            d = x != y
        if d is None:
            return None
        out = out or d
    return out


def _proportional(xs: Sequence[complex], ys: Sequence[complex]) -> bool:
    ratios = [x / y for x, y in zip(xs, ys, strict=True) if abs(y) > 1e-12]
    return len(ratios) == len(xs) and all(abs(r - ratios[0]) < 1e-6 * max(1.0, abs(ratios[0])) for r in ratios)


def _pair_differs(a: Any, b: Any) -> bool:
    import sympy

    names_a = {str(v) for v in getattr(a, "free_symbols", set())}
    names_b = {str(v) for v in getattr(b, "free_symbols", set())}
    if names_a != names_b or len(names_a) > 3:
        return False  # other variables (``odd`` vs \\text{odd}, e vs E): math-verify's rules decide
    names = sorted(names_a)
    points = _POINTS if names else ((),)
    if isinstance(a, sympy.Eq) and isinstance(b, sympy.Eq):
        va = [_signature(a, pt, names)[1][1] for pt in points]
        vb = [_signature(b, pt, names)[1][1] for pt in points]
        return len(points) > 1 and not _proportional(va, vb)
    for pt in points:
        d = _differ(_signature(a, pt, names), _signature(b, pt, names))
        if d is None:
            return False
        if d:
            return True
    return False


def numeric_screen(gold: Sequence[Any], pred: Sequence[Any]) -> bool:
    """True when the pair is surely unequal by value: a *prototype* of issue 11's screen.

    Every parsed gold value must differ from every parsed answer value (math-verify accepts
    any matching pair, the extracted strings included), by far more than its 6-place
    rounding could bridge, at two points when there are variables (same names on both
    sides only). Anything unscreenable is "maybe": the exact check decides. Measured here, not
    used by the service.
    """
    if {x for x in gold if isinstance(x, str)} & {x for x in pred if isinstance(x, str)}:
        return False
    values_g = [x for x in gold if not isinstance(x, str)]
    values_p = [x for x in pred if not isinstance(x, str)]
    if not values_g or not values_p:
        return False
    try:
        return all(_pair_differs(a, b) for a in values_g for b in values_p)
    except Exception:  # _Unscreenable, or sympy refusing an operation (Symbol - Interval): "maybe"
        return False


def _stages(job: Job) -> tuple[float, float, float, bool, bool, float]:
    """Seconds to parse the reference, parse the answer, verify; the verdict; the screen's
    verdict and seconds (not part of the job's cost: what it would add)."""
    from math_verify import verify

    gold, pred, rounding, strict, set_rel = job.args
    t0 = time.perf_counter()
    g = list(compare._parse_reference(gold))
    t1 = time.perf_counter()
    p = compare.parse_answer(pred) if g else []
    t2 = time.perf_counter()
    same = bool(g and p) and bool(
        verify(g, p, float_rounding=rounding, strict=strict, allow_set_relation_comp=set_rel, timeout_seconds=None)
    )
    t3 = time.perf_counter()
    rejected = bool(g and p) and numeric_screen(g, p)
    return t1 - t0, t2 - t1, t3 - t2, same, rejected, time.perf_counter() - t3


def _fresh_caches() -> None:
    """Forget parsed references and sympy's own cache: a new worker's state."""
    from sympy.core.cache import clear_cache

    compare._parse_reference.cache_clear()
    clear_cache()


def stage_table(jobs: Sequence[SymJob], cold_reference: bool) -> dict[str, Any]:
    _fresh_caches()
    rows = []
    for sj in jobs:
        if cold_reference:
            compare._parse_reference.cache_clear()
        rows.append((sj.kind, *_stages(sj.job)))
    total = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    per_job = [r[1] + r[2] + r[3] for r in rows]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r, t in zip(rows, per_job, strict=True):
        by_kind[r[0]].append(t)
    false_time = sum(t for r, t in zip(rows, per_job, strict=True) if not r[4])
    false_verify = sum(r[3] for r in rows if not r[4])
    screened = [r for r in rows if r[5]]
    true_verify = sum(r[3] for r in rows if r[4])
    return {
        "jobs": len(rows),
        "parse_reference_s": total[0],
        "parse_answer_s": total[1],
        "verify_s": total[2],
        "total_s": sum(total),
        "p50_ms": 1000 * statistics.median(per_job) if per_job else 0.0,
        "p99_ms": 1000 * sorted(per_job)[int(0.99 * (len(per_job) - 1))] if per_job else 0.0,
        "equal": sum(1 for r in rows if r[4]),
        "not_equal_time_s": false_time,
        "not_equal_verify_s": false_verify,
        "screen_rejected": len(screened),
        "screen_wrong": sum(1 for r in screened if r[4]),  # rejected but math-verify says equal
        "screen_saves_verify_s": sum(r[3] for r in screened),
        "screen_cost_s": sum(r[6] for r in rows),
        "equal_verify_s": true_verify,
        "by_kind": {k: (len(v), sum(v)) for k, v in sorted(by_kind.items(), key=lambda kv: -sum(kv[1]))},
    }


def screen_on_suite(path: Path) -> dict[str, Any]:
    """The screen against math-verify's verdicts on its own suite (each case's settings)."""
    from math_verify import verify

    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rejected, wrong, errors = 0, [], 0
    for c in cases:
        try:
            g, p = compare.parse_answer(c["gold"]), compare.parse_answer(c["pred"])
            same = bool(g and p) and bool(
                verify(g, p, float_rounding=c.get("float_rounding", 6), strict=c.get("strict", True),
                       allow_set_relation_comp=c.get("allow_set_relation_comp", False), timeout_seconds=None)
            )  # fmt: skip
        except Exception:  # a case math-verify itself cannot handle: not the screen's concern
            errors += 1
            continue
        if g and p and numeric_screen(g, p):
            rejected += 1
            if same:
                wrong.append((c["gold"], c["pred"]))
    return {"cases": len(cases), "rejected": rejected, "rejected_but_equal": wrong, "errors": errors}


# --------------------------------------------------------------------------- cProfile


def profile(jobs: Sequence[SymJob], top: int) -> tuple[float, list[tuple[str, float]], str]:
    _fresh_caches()
    prof = cProfile.Profile()
    start = time.perf_counter()
    prof.enable()
    for sj in jobs:
        compare._parse_reference.cache_clear()  # each job's full cost, as on a worker's first sight
        sj.job.fn(*sj.job.args)
    prof.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(prof)
    found: list[tuple[str, float]] = []
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for label, module, name in _BUCKETS:
        cum = sum(v[3] for (path, _line, fn), v in table.items() if fn == name and module in path)
        found.append((label, cum))
    import io

    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    return wall, found, buf.getvalue()


# --------------------------------------------------------------------------- pickling and the pool


def pickling(jobs: Sequence[SymJob]) -> dict[str, float]:
    sizes, seconds = [], 0.0
    out_sizes = []
    for sj in jobs:
        t0 = time.perf_counter()
        blob = pickle.dumps((sj.job.fn, sj.job.args), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(blob)
        res = pickle.dumps(Score(1.0, compare.Status.OK, "equivalent"), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(res)
        seconds += time.perf_counter() - t0
        sizes.append(len(blob))
        out_sizes.append(len(res))
    n = max(1, len(jobs))
    return {
        "job_bytes_mean": sum(sizes) / n,
        "result_bytes": out_sizes[0] if out_sizes else 0,
        "us_per_job": 1e6 * seconds / n,
    }


def timed_verdict(fn: Callable[..., Score], args: tuple[Any, ...]) -> tuple[Score, float]:
    """Runs in a worker: the verdict and the seconds the worker spent on it."""
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def verdicts_in_one_job(calls: Sequence[tuple[Callable[..., Score], tuple[Any, ...]]]) -> list[Score]:
    """Runs in a worker: several verdicts for one round trip (the grouping proposal)."""
    return [fn(*args) for fn, args in calls]


async def _fresh_pool(workers: int) -> Any:
    from reward_server.pool import ProcessPool

    pool = ProcessPool(workers)
    await pool.start()
    return pool


async def _one_at_a_time(jobs: Sequence[SymJob], workers: int) -> tuple[list[float], list[float]]:
    """Round trip vs the worker's own time, one job in flight."""
    pool = await _fresh_pool(workers)
    rt, inside = [], []
    try:
        for sj in jobs:
            t0 = time.perf_counter()
            _, spent = await pool.run(timed_verdict, (sj.job.fn, sj.job.args), timeout=60)
            rt.append(time.perf_counter() - t0)
            inside.append(spent)
    finally:
        pool.close()
    return rt, inside


async def _all_in_flight(jobs: Sequence[SymJob], workers: int, grouped: bool) -> float:
    """Seconds for every job with all in flight: one pool job each (today) or one per worker."""
    pool = await _fresh_pool(workers)
    try:
        t0 = time.perf_counter()
        if grouped:
            chunks = [list(jobs[i::workers]) for i in range(workers)]
            calls = [([(sj.job.fn, sj.job.args) for sj in c],) for c in chunks]
            await asyncio.gather(*(pool.run(verdicts_in_one_job, c, timeout=600) for c in calls))
        else:
            await asyncio.gather(*(pool.run(sj.job.fn, sj.job.args, timeout=60) for sj in jobs))
        return time.perf_counter() - t0
    finally:
        pool.close()


async def _through_pool(jobs: Sequence[SymJob], workers: int, rounds: int) -> dict[str, Any]:
    rt, inside = await _one_at_a_time(jobs, workers)
    per_job: list[float] = []
    per_worker: list[float] = []
    for r in range(rounds):  # alternate the order: the machine is shared and noisy
        for grouped in (False, True) if r % 2 == 0 else (True, False):
            (per_worker if grouped else per_job).append(await _all_in_flight(jobs, workers, grouped))
    n = max(1, len(jobs))
    overhead = [a - b for a, b in zip(rt, inside, strict=True)]
    return {
        "sequential_round_trip_ms_p50": 1000 * statistics.median(rt) if rt else 0.0,
        "worker_time_ms_p50": 1000 * statistics.median(inside) if inside else 0.0,
        "worker_time_s": sum(inside),
        "ipc_overhead_ms_p50": 1000 * statistics.median(overhead) if overhead else 0.0,
        "ipc_overhead_ms_mean": 1000 * sum(overhead) / n,
        "ipc_share_of_round_trips": sum(overhead) / sum(rt) if rt else 0.0,
        "all_in_flight_s": per_job,
        "grouped_per_worker_s": per_worker,
    }


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--mix", choices=MIXES, default="symbolic")
    p.add_argument("--prompts", type=int, default=30)
    p.add_argument("--per-prompt", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="pool workers for the IPC measurements")
    p.add_argument("--top", type=int, default=15, help="functions to list by own time")
    p.add_argument("--skip-pool", action="store_true", help="no worker pool (in-process stages only)")
    p.add_argument("--rounds", type=int, default=2, help="repetitions of the all-in-flight pool runs")
    p.add_argument("--suite", type=Path, help="math-verify's cases.jsonl: check the numeric screen against it")
    args = p.parse_args(argv)

    compare.warm_up()
    jobs, n_items = collect_jobs(args.mix, args.prompts, args.per_prompt, args.seed)
    items_on_path = sum(sj.copies for sj in jobs)
    refs = len({sj.job.args[0] for sj in jobs})
    print(
        f"mix {args.mix}: {n_items} items, {items_on_path} on the symbolic path, {len(jobs)} distinct jobs, "
        f"{refs} distinct references; kinds {dict(Counter(sj.kind for sj in jobs).most_common())}"
    )

    print("\nstages in this process (perf_counter, no profiler)")
    print(f"{'reference cache':<25}{'jobs':>6}{'parse ref s':>13}{'parse ans s':>13}{'verify s':>10}{'total s':>9}"
          f"{'ms/job':>8}{'p50 ms':>8}{'p99 ms':>8}")  # fmt: skip
    tables = {}
    # the first pass also warms antlr's prediction (DFA) cache, which clear_cache does not reset:
    # it is what a fresh worker pays; the next two rows are a long-lived worker's
    for name, cold in (("first pass (new worker)", True), ("kept (as a worker)", False), ("parsed per job", True)):
        t = stage_table(jobs, cold_reference=cold)
        tables[cold] = t
        print(
            f"{name:<25}{t['jobs']:>6}{t['parse_reference_s']:>13.3f}{t['parse_answer_s']:>13.3f}{t['verify_s']:>10.3f}"
            f"{t['total_s']:>9.3f}{1000 * t['total_s'] / max(1, t['jobs']):>8.2f}{t['p50_ms']:>8.2f}{t['p99_ms']:>8.2f}"
        )
    t = tables[True]
    print(
        f"verdicts: {t['equal']} equal, {t['jobs'] - t['equal']} not equal "
        f"({100 * t['not_equal_time_s'] / max(t['total_s'], 1e-9):.0f}% of the time on not-equal jobs); "
        f"verify {t['equal_verify_s']:.3f} s on equal, {t['not_equal_verify_s']:.3f} s on not-equal jobs"
    )
    print(
        f"numeric screen (prototype): rejects {t['screen_rejected']} of {t['jobs'] - t['equal']} not-equal jobs, "
        f"{t['screen_wrong']} of them judged equal by math-verify; would skip {t['screen_saves_verify_s']:.3f} s of verify "
        f"for {t['screen_cost_s']:.3f} s of screening (all jobs)"
    )
    print("time per kind (cold reference): " + ", ".join(
        f"{k} {n} jobs {1000 * s / n:.1f} ms/job" for k, (n, s) in t["by_kind"].items()))  # fmt: skip

    if args.suite is not None:
        suite = screen_on_suite(args.suite)
        print(
            f"numeric screen on {args.suite.name}: rejects {suite['rejected']} of {suite['cases']} cases, "
            f"{len(suite['rejected_but_equal'])} of them judged equal by math-verify "
            f"{suite['rejected_but_equal'][:5]}; {suite['errors']} cases math-verify raised on"
        )

    wall, buckets, listing = profile(jobs, args.top)
    print(f"\ncProfile over the {len(jobs)} jobs ({wall:.3f} s with the profiler on); cumulative seconds:")
    for label, cum in buckets:
        print(f"  {label:<40}{cum:>8.3f}  {100 * cum / wall:>5.1f}%")
    print(listing)

    pk = pickling(jobs)
    print(
        f"pickling: job (fn, args) {pk['job_bytes_mean']:.0f} bytes mean, result {pk['result_bytes']} bytes, "
        f"{pk['us_per_job']:.1f} us per job for dumps+loads of both"
    )
    if not args.skip_pool:
        pool = asyncio.run(_through_pool(jobs, args.workers, args.rounds))
        print(f"\nthrough the pool ({args.workers} workers, forkserver, pebble):")
        print(
            f"  one job at a time: round trip p50 {pool['sequential_round_trip_ms_p50']:.2f} ms, worker time p50 "
            f"{pool['worker_time_ms_p50']:.2f} ms, IPC+scheduling p50 {pool['ipc_overhead_ms_p50']:.2f} ms "
            f"(mean {pool['ipc_overhead_ms_mean']:.2f} ms, {100 * pool['ipc_share_of_round_trips']:.0f}% of round trips)"
        )
        print(f"  worker time summed over the jobs: {pool['worker_time_s']:.3f} s")
        for name, key in (("one pool job per job", "all_in_flight_s"), ("one pool job per worker", "grouped_per_worker_s")):
            runs = pool[key]
            print(
                f"  all {len(jobs)} jobs in flight, {name}: "
                + ", ".join(f"{x:.3f} s ({len(jobs) / x:.0f} jobs/s)" for x in runs)
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
