"""Benchmark: the reward server's math accuracy against math-verify, on one labelled GRPO batch.

Why it is built this way:

* The target is relative (issue 11: ≥ 15× math-verify's single-process throughput on the
  easy mix, ≥ 10× on the symbolic mix, recall and false-positive rate at least as good), and
  the machine is small, shared and noisy. So both sides run in the same invocation on the
  same items, one after the other, per mix, and the ratio is the headline, not either
  absolute number.
* Two mixes (``--mix both``, the default): the easy one (every answer kind in turn, ~8% of
  the items need sympy) and the symbolic one (MATH/Olympiad-like, ~26% need sympy), where
  the symbolic path dominates the cost. The share of items and of distinct jobs that
  reached the symbolic path is reported per mix.
* math-verify is run the way its users run it: ``parse`` + ``verify`` sequentially in the
  main thread (its ``signal.alarm`` timeouts only work there), default settings, the gold
  wrapped in ``$...$`` (bare gold parses badly) and GSM8K's ``####`` stripped.
* The service is measured through HTTP, as a trainer sees it: the batch is posted in chunks,
  a few at once. The first timed pass is cold (its memo has not seen these answers); a
  second pass over the same items shows the memo-warm speed but is not the headline.
* Labels come from :mod:`grpo_data`, which wrote the completions, so recall and
  false-positive rate are exact, and every disagreement with a label is a verifier error.

Run from the repository root::

    python -m bench.bench_math                      # starts the service on a free port
    python -m bench.bench_math --url http://127.0.0.1:8000   # uses a running service
    python -m bench.bench_math --mix symbolic --prompts 30    # one mix, a short run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

try:
    from bench.grpo_data import MIXES, make_batch
except ImportError:  # run as a script: python bench/bench_math.py
    from grpo_data import MIXES, make_batch  # type: ignore[no-redef]

__all__ = ["Summary", "gold_text", "main", "run_math_verify", "run_service", "symbolic_shares"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "math.json"
WARMUP_SEED_OFFSET = 1_000_003  # warm-up items come from another seed: they must not warm the memo
SINGLE_SEED_OFFSET = 2_000_003
Item = dict[str, Any]


@dataclass
class Verdict:
    """One side's judgement of one item (``correct`` is the verdict, not the label)."""

    id: str
    correct: bool
    extracted: str = ""
    status: str = ""
    reason: str = ""
    seconds: float | None = None


@dataclass
class Summary:
    name: str
    items: int
    wall_s: float
    throughput: float
    p50_ms: float
    p99_ms: float
    recall: float
    fpr: float
    false_negatives: int
    false_positives: int
    latency_basis: str
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def recall_fpr(items: Sequence[Item], verdicts: Sequence[Verdict]) -> tuple[float, float, int, int]:
    """Recall over items labelled correct; FPR over wrong + missing items judged correct."""
    pos = fn = neg = fp = 0
    for it, v in zip(items, verdicts, strict=True):
        if it["label"] == "correct":
            pos += 1
            fn += not v.correct
        else:
            neg += 1
            fp += v.correct
    return (1 - fn / pos if pos else 1.0), (fp / neg if neg else 0.0), fn, fp


def per_kind(items: Sequence[Item], verdicts: Sequence[Verdict]) -> dict[str, dict[str, int]]:
    """Errors per answer kind: where a verifier is weak is more useful than one number."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"pos": 0, "fn": 0, "neg": 0, "fp": 0})
    for it, v in zip(items, verdicts, strict=True):
        row = out[it["kind"]]
        if it["label"] == "correct":
            row["pos"] += 1
            row["fn"] += not v.correct
        else:
            row["neg"] += 1
            row["fp"] += v.correct
    return dict(out)


def summarise(
    name: str,
    items: Sequence[Item],
    verdicts: Sequence[Verdict],
    wall: float,
    latencies_s: Sequence[float],
    basis: str,
    **extra: Any,
) -> Summary:
    rec, fpr, fn, fp = recall_fpr(items, verdicts)
    return Summary(
        name=name,
        items=len(items),
        wall_s=wall,
        throughput=len(items) / wall if wall else 0.0,
        p50_ms=1000 * percentile(latencies_s, 50),
        p99_ms=1000 * percentile(latencies_s, 99),
        recall=rec,
        fpr=fpr,
        false_negatives=fn,
        false_positives=fp,
        latency_basis=basis,
        extra=extra,
    )


# --------------------------------------------------------------------------- math-verify reference


def gold_text(reference: str | float) -> str:
    """The gold as math-verify users pass it: numbers and bare LaTeX wrapped in ``$...$``.

    Without the wrapping math-verify only finds plain expressions and recall collapses
    (36.6% measured), so a fair reference run must wrap.
    """
    text = str(reference).strip()
    if text.startswith("####"):
        text = text[4:].strip()
    if "$" in text or "\\boxed" in text or "\\[" in text or "\\(" in text:
        return text
    return f"${text}$"


def run_math_verify(items: Sequence[Item]) -> tuple[list[Verdict], float]:
    """math-verify's parse + verify per item, sequentially, in this (main) thread."""
    from math_verify import parse, verify

    verdicts: list[Verdict] = []
    start = time.perf_counter()
    for it in items:
        t0 = time.perf_counter()
        gold = parse(gold_text(it["reference"]))
        pred = parse(it["completion"])
        ok = bool(verify(gold, pred))
        dt = time.perf_counter() - t0
        # pred[-1] is the extracted string; str() of the sympy object can hang (math.md)
        extracted = str(pred[-1]) if pred else ""
        verdicts.append(
            Verdict(
                id=it["id"],
                correct=ok,
                extracted=extracted[:120],
                status="ok" if pred else "no_answer",
                seconds=dt,
            )
        )
    return verdicts, time.perf_counter() - start


# --------------------------------------------------------------------------- the service


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_command(port: int) -> list[str]:
    """The service of *this* checkout, as a module.

    Not the installed ``reward-server`` script: an editable install may point at another
    tree (it did on the benchmark machine), and then the benchmark measures other code.
    """
    return [sys.executable, "-m", "reward_server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]


def server_env() -> dict[str, str]:
    """This checkout first on the import path of the started service."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


@contextmanager
def service(url: str | None, log_path: Path, ready_timeout: float) -> Iterator[str]:
    """Yield the base URL of a ready service: ``url`` as given, or one started here.

    A service started here is stopped (SIGTERM, then SIGKILL of its process group) on exit,
    so an interrupted benchmark leaves no server or worker pool behind.
    """
    if url:
        wait_ready(url, ready_timeout, None)
        yield url.rstrip("/")
        return
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            server_command(port),
            cwd=ROOT,
            env=server_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, ready_timeout, proc)
            yield base
        finally:
            stop(proc)


def wait_ready(base: str, timeout: float, proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service exited with code {proc.returncode} before it was ready")
        try:
            if httpx.get(f"{base.rstrip('/')}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"service at {base} not ready after {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (subprocess.TimeoutExpired, ProcessLookupError):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)


def payload(items: Sequence[Item]) -> dict[str, Any]:
    return {
        "items": [
            {"completion": it["completion"], "reference": it["reference"], "task": "math", "id": it["id"]}
            for it in items
        ],
        "components": {"accuracy": 1.0},
    }


def chunks(items: Sequence[Item], size: int) -> list[Sequence[Item]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


async def _post_all(
    base: str, parts: Sequence[Sequence[Item]], concurrency: int, timeout: float
) -> tuple[list[list[dict[str, Any]]], list[float], float]:
    """Post every chunk, at most ``concurrency`` in flight; results kept in chunk order."""
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = [0.0] * len(parts)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as client:

        async def one(i: int, part: Sequence[Item]) -> list[dict[str, Any]]:
            async with sem:
                t0 = time.perf_counter()
                r = await client.post("/v1/score", json=payload(part))
                latencies[i] = time.perf_counter() - t0
            if r.status_code != 200:
                raise RuntimeError(f"/v1/score answered {r.status_code}: {r.text[:500]}")
            results: list[dict[str, Any]] = r.json()["results"]
            if len(results) != len(part):
                raise RuntimeError(f"/v1/score returned {len(results)} results for {len(part)} items")
            return results

        start = time.perf_counter()
        out = await asyncio.gather(*(one(i, p) for i, p in enumerate(parts)))
        wall = time.perf_counter() - start
    return list(out), latencies, wall


def _component_details(result: dict[str, Any]) -> dict[str, Any]:
    """The accuracy component's own fields and details, flattened into one mapping.

    Accepts ``details.accuracy.details.extracted`` (nested per component), as well as a flat
    ``details.extracted``: the report should not break when the response layout evolves.
    """
    details = result.get("details") or {}
    comp = details.get("accuracy")
    if not isinstance(comp, dict):
        return dict(details)
    inner = comp.get("details")
    return {**comp, **(inner if isinstance(inner, dict) else {})}


def _first(d: dict[str, Any], keys: Sequence[str]) -> str:
    for k in keys:
        if d.get(k) not in (None, ""):
            return str(d[k])
    return ""


def to_verdict(item: Item, result: dict[str, Any]) -> Verdict:
    """A service result as a verdict: accuracy ≥ 0.5 is correct, null (unscored) is not."""
    if result.get("id") not in (None, item["id"]):
        raise RuntimeError(
            f"result for {result.get('id')!r} where {item['id']!r} was expected (order broken)"
        )
    acc = (result.get("components") or {}).get("accuracy")
    d = _component_details(result)
    reason = _first(d, ("reason", "message")) or _first(result, ("reason",))
    how = "/".join(str(d[k]) for k in ("source", "path") if d.get(k))
    return Verdict(
        id=item["id"],
        correct=acc is not None and float(acc) >= 0.5,
        extracted=_first(d, ("extracted", "answer", "prediction", "pred", "parsed"))[:120],
        status=_first(d, ("status",)) or str(result.get("status", "")),
        reason=f"{reason} [{how}]" if how else reason,
    )


def paths(raw: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How items were decided (e.g. fast path vs sympy), when the service reports it."""
    counts: dict[str, int] = defaultdict(int)
    for r in raw:
        counts[str(_component_details(r).get("path", "?"))] += 1
    return dict(counts)


def run_service(
    base: str, items: Sequence[Item], batch_size: int, concurrency: int, timeout: float
) -> tuple[list[Verdict], list[float], float, list[dict[str, Any]]]:
    parts = chunks(items, batch_size)
    results, latencies, wall = asyncio.run(_post_all(base, parts, concurrency, timeout))
    flat = [r for part in results for r in part]
    verdicts = [to_verdict(it, r) for it, r in zip(items, flat, strict=True)]
    return verdicts, latencies, wall, flat


def run_single_items(base: str, items: Sequence[Item], timeout: float) -> tuple[list[Verdict], list[float]]:
    """One item per request, one request at a time: the per-item latency a caller waits.

    Batch requests only give request latency; this is the honest per-item p50/p99.
    """
    verdicts: list[Verdict] = []
    latencies: list[float] = []
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for it in items:
            t0 = time.perf_counter()
            r = client.post("/v1/score", json=payload([it]))
            latencies.append(time.perf_counter() - t0)
            r.raise_for_status()
            verdicts.append(to_verdict(it, r.json()["results"][0]))
    return verdicts, latencies


# --------------------------------------------------------------------------- report


def disagreements(items: Sequence[Item], verdicts: Sequence[Verdict]) -> list[dict[str, Any]]:
    """Items the verifier judged against the label: false negatives first (the field's main failure)."""
    rows = []
    for it, v in zip(items, verdicts, strict=True):
        if v.correct == (it["label"] == "correct"):
            continue
        rows.append(
            {
                "id": it["id"],
                "kind": it["kind"],
                "label": it["label"],
                "form": it["form"],
                "written": it["answer"],
                "reference": it["reference"],
                "extracted": v.extracted,
                "status": v.status,
                "reason": v.reason,
            }
        )
    rows.sort(key=lambda r: (r["label"] != "correct", r["kind"], r["id"]))
    return rows


def _fmt_table(summaries: Sequence[Summary]) -> str:
    head = (
        f"{'side':<24}{'items':>6}{'items/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'recall':>9}{'FPR':>8}  latency"
    )
    lines = [head, "-" * len(head)]
    for s in summaries:
        lines.append(
            f"{s.name:<24}{s.items:>6}{s.throughput:>10.1f}{s.p50_ms:>9.2f}{s.p99_ms:>9.2f}"
            f"{100 * s.recall:>8.2f}%{100 * s.fpr:>7.2f}%  {s.latency_basis}"
        )
    return "\n".join(lines)


def _fmt_kinds(ref: dict[str, dict[str, int]], svc: dict[str, dict[str, int]]) -> str:
    lines = [f"{'kind':<18}{'pos':>5}{'mv FN':>7}{'svc FN':>8}{'neg':>6}{'mv FP':>7}{'svc FP':>8}"]
    for kind in sorted(ref):
        r, s = ref[kind], svc.get(kind, {"fn": 0, "fp": 0})
        lines.append(f"{kind:<18}{r['pos']:>5}{r['fn']:>7}{s['fn']:>8}{r['neg']:>6}{r['fp']:>7}{s['fp']:>8}")
    return "\n".join(lines)


def _fmt_disagreements(rows: Sequence[dict[str, Any]], limit: int) -> str:
    lines = []
    for r in rows[:limit]:
        lines.append(
            f"  {r['id']:<10} {r['kind']:<16} {r['label']:<8} written={r['written']!r} "
            f"ref={r['reference']!r} extracted={r['extracted']!r} status={r['status']} {r['reason']}"
        )
    if len(rows) > limit:
        lines.append(f"  ... {len(rows) - limit} more in the results JSON")
    return "\n".join(lines) or "  (none)"


# --------------------------------------------------------------------------- main


def symbolic_shares(raw: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How much of the batch reached the symbolic path, per item and per distinct job.

    A distinct job is a distinct (reference, extracted answer) pair: the service runs each
    once per request (duplicates within a group share one job), so the distinct count is
    what the worker pool actually computes.
    """
    items = sym_items = 0
    pairs: set[tuple[str, str]] = set()
    sym_pairs: set[tuple[str, str]] = set()
    for r in raw:
        d = _component_details(r)
        items += 1
        if "extracted" not in d:
            continue
        pair = (str(d.get("reference", "")), str(d["extracted"]))
        pairs.add(pair)
        if d.get("path") == "symbolic":
            sym_items += 1
            sym_pairs.add(pair)
    return {
        "items": items,
        "symbolic_items": sym_items,
        "item_share": sym_items / items if items else 0.0,
        "distinct_jobs": len(pairs),
        "symbolic_jobs": len(sym_pairs),
        "job_share": len(sym_pairs) / len(pairs) if pairs else 0.0,
    }


def reference_time_split(raw: Sequence[dict[str, Any]], ref: Sequence[Verdict]) -> dict[str, float]:
    """math-verify's seconds on the items our service decides on the symbolic path vs the rest."""
    sym = fast = 0.0
    for r, v in zip(raw, ref, strict=True):
        if _component_details(r).get("path") == "symbolic":
            sym += v.seconds or 0.0
        else:
            fast += v.seconds or 0.0
    return {"symbolic_items_s": sym, "other_items_s": fast}


# --------------------------------------------------------------------------- main


TARGETS = {"easy": 15.0, "symbolic": 10.0}  # issue 11: cold service / math-verify


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--n-prompts", "--prompts", type=int, default=125)
    p.add_argument("--per-prompt", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--mix",
        choices=("both", *MIXES),
        default="both",
        help="answer mix: easy (every kind in turn), symbolic (MATH/Olympiad-like, algebra-heavy), or both",
    )
    p.add_argument("--url", help="base URL of a running service (default: start one on a free port)")
    p.add_argument("--batch-size", type=int, default=512, help="items per /v1/score request")
    p.add_argument("--concurrency", type=int, default=4, help="requests in flight at once")
    p.add_argument("--timeout", type=float, default=600.0, help="per-request HTTP timeout, seconds")
    p.add_argument("--ready-timeout", type=float, default=120.0, help="seconds to wait for /health")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results JSON")
    p.add_argument("--show", type=int, default=20, help="disagreements to print per side")
    p.add_argument(
        "--single-items",
        type=int,
        default=200,
        help="items sent one per request, sequentially, for per-item latency (0: skip); easy mix",
    )
    p.add_argument("--skip-reference", action="store_true", help="service only (no ratio)")
    return p.parse_args(argv)


@dataclass
class MixRun:
    """One mix's measurements: both sides on the same items, in the same run."""

    mix: str
    items: list[Item]
    summaries: list[Summary]
    ratio: float | None
    ratio_warm: float | None
    shares: dict[str, Any]
    ref_split: dict[str, float]
    svc: list[Verdict]
    ref: list[Verdict]
    raw: list[dict[str, Any]]
    svc_rows: list[dict[str, Any]]
    ref_rows: list[dict[str, Any]]
    changed: int


def run_mix(args: argparse.Namespace, base: str, mix: str) -> MixRun:
    """Warm-up (other items), math-verify, then the service cold and memo-warm, for one mix."""
    items = make_batch(args.n_prompts, args.per_prompt, args.seed, mix=mix)
    warm_items = make_batch(4, args.per_prompt, args.seed + WARMUP_SEED_OFFSET, mix=mix)
    print(f"\n=== mix {mix}: {len(items)} completions, {args.n_prompts} prompts x {args.per_prompt}", flush=True)
    run_service(base, warm_items, args.batch_size, args.concurrency, args.timeout)  # not timed

    ref_summary: Summary | None = None
    ref_verdicts: list[Verdict] = []
    if not args.skip_reference:
        print("math-verify reference (sequential, main thread) ...", flush=True)
        ref_verdicts, ref_wall = run_math_verify(items)
        ref_summary = summarise(
            f"math-verify [{mix}]", items, ref_verdicts, ref_wall, [v.seconds or 0.0 for v in ref_verdicts], "per item"
        )

    print("service, cold pass ...", flush=True)
    svc, lat, wall, raw = run_service(base, items, args.batch_size, args.concurrency, args.timeout)
    cold = summarise(
        f"service cold [{mix}]", items, svc, wall, lat, "per request",
        amortised_ms_per_item=1000 * wall / len(items), requests=len(lat), paths=paths(raw),
    )  # fmt: skip
    print("service, memo-warm pass ...", flush=True)
    warm_v, lat2, wall2, raw2 = run_service(base, items, args.batch_size, args.concurrency, args.timeout)
    warm = summarise(
        f"service warm [{mix}]", items, warm_v, wall2, lat2, "per request",
        amortised_ms_per_item=1000 * wall2 / len(items), requests=len(lat2), paths=paths(raw2),
    )  # fmt: skip
    ratio = cold.throughput / ref_summary.throughput if ref_summary else None
    ratio_warm = warm.throughput / ref_summary.throughput if ref_summary else None
    return MixRun(
        mix=mix,
        items=items,
        summaries=[s for s in (ref_summary, cold, warm) if s is not None],
        ratio=ratio,
        ratio_warm=ratio_warm,
        shares=symbolic_shares(raw),
        ref_split=reference_time_split(raw, ref_verdicts) if ref_verdicts else {},
        svc=svc,
        ref=ref_verdicts,
        raw=raw,
        svc_rows=disagreements(items, svc),
        ref_rows=disagreements(items, ref_verdicts) if ref_verdicts else [],
        changed=sum(a.correct != b.correct for a, b in zip(svc, warm_v, strict=True)),
    )


def run_single(args: argparse.Namespace, base: str) -> Summary | None:
    if not args.single_items:
        return None
    # other items than the batch's (another seed): their answers are not in the memo yet
    few = make_batch(-(-args.single_items // args.per_prompt), args.per_prompt, args.seed + SINGLE_SEED_OFFSET)
    few = few[: args.single_items]
    print(f"\nservice, {len(few)} single-item requests (easy mix) ...", flush=True)
    verdicts, lat = run_single_items(base, few, args.timeout)
    return summarise("service (1 item/request)", few, verdicts, sum(lat), lat, "per item")


def report_mix(run: MixRun, args: argparse.Namespace) -> None:
    print(f"\n=== mix {run.mix}")
    print(_fmt_table(run.summaries))
    for s in run.summaries[-2:]:
        print(
            f"{s.name}: amortised {s.extra['amortised_ms_per_item']:.3f} ms/item over {s.extra['requests']} "
            f"requests of <= {args.batch_size} items, {args.concurrency} in flight; decided by {s.extra['paths']}"
        )
    sh = run.shares
    print(
        f"symbolic path: {sh['symbolic_items']}/{sh['items']} items ({100 * sh['item_share']:.1f}%), "
        f"{sh['symbolic_jobs']}/{sh['distinct_jobs']} distinct (reference, answer) jobs ({100 * sh['job_share']:.1f}%)"
    )
    if run.ratio is not None:
        print(
            f"ratio service(cold) / math-verify [{run.mix}]: {run.ratio:.2f}x   (memo-warm: {run.ratio_warm:.2f}x)"
            f"   target >= {TARGETS[run.mix]:g}x"
        )
    if run.ref_split:
        total = sum(run.ref_split.values()) or 1.0
        print(
            f"math-verify time on the items we send to sympy: {run.ref_split['symbolic_items_s']:.2f} s "
            f"({100 * run.ref_split['symbolic_items_s'] / total:.0f}% of its {total:.2f} s)"
        )
    if run.changed:
        print(f"WARNING: {run.changed} verdicts differ between the cold and the memo-warm pass")
    if run.ref:
        print("\nerrors per kind (FN: labelled correct, judged not; FP: wrong/missing judged correct)")
        print(_fmt_kinds(per_kind(run.items, run.ref), per_kind(run.items, run.svc)))
    print(f"\nservice disagreements with the label ({len(run.svc_rows)}):")
    print(_fmt_disagreements(run.svc_rows, args.show))
    if run.ref_rows:
        print(f"\nmath-verify disagreements with the label ({len(run.ref_rows)}):")
        print(_fmt_disagreements(run.ref_rows, args.show))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mixes = MIXES if args.mix == "both" else (args.mix,)
    with service(args.url, args.out.parent / "server.log", args.ready_timeout) as base:
        print(f"service: {base}", flush=True)
        runs = [run_mix(args, base, mix) for mix in mixes]
        single = run_single(args, base)
    for run in runs:
        report_mix(run, args)
    if single is not None:
        print()
        print(_fmt_table([single]))
    if len(runs) > 1 and all(r.ratio is not None for r in runs):
        print("\nsummary: " + "; ".join(f"{r.mix} {r.ratio:.2f}x (target {TARGETS[r.mix]:g}x)" for r in runs))
    write_results(args, runs, single)
    print(f"\nresults: {args.out}")
    return 0


def _mix_doc(run: MixRun) -> dict[str, Any]:
    per_item = []
    for i, it in enumerate(run.items):
        row: dict[str, Any] = {
            "id": it["id"],
            "kind": it["kind"],
            "label": it["label"],
            "form": it["form"],
            "service": asdict(run.svc[i]),
            "service_result": run.raw[i],
        }
        if run.ref:
            row["math_verify"] = asdict(run.ref[i])
        per_item.append(row)
    return {
        "summaries": [asdict(s) for s in run.summaries],
        "ratio_cold": run.ratio,
        "ratio_warm": run.ratio_warm,
        "symbolic": run.shares,
        "math_verify_time_split": run.ref_split,
        "service_disagreements": run.svc_rows,
        "math_verify_disagreements": run.ref_rows,
        "items": per_item,
    }


def write_results(args: argparse.Namespace, runs: Sequence[MixRun], single: Summary | None) -> None:
    doc = {
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "mixes": {run.mix: _mix_doc(run) for run in runs},
        "single_items": asdict(single) if single is not None else None,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=1, default=str))


if __name__ == "__main__":
    sys.exit(main())
