"""Offline scoring of a JSONL file: ``reward-server score IN.jsonl -o OUT.jsonl``.

For scoring datasets and for debugging a reward spec without a trainer. It runs the same
app lifespan as the server (same workers, sandbox and components), so a file scores
exactly as the HTTP service would. One output line per input line, in order; a line that
is not a valid item gets ``status: invalid_item`` and the reason, and the run goes on.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from pydantic import ValidationError

from reward_server.app import create_app
from reward_server.metrics import score_flags
from reward_server.schemas import ComponentParams, Item, ScoreRequest
from reward_server.service import RewardService
from reward_server.settings import Settings
from verifiers.registry import Registry

__all__ = ["Summary", "score_file"]


@dataclass
class Summary:
    """What the ``score`` command prints: counts, means over the scored items, statuses, flags."""

    items: int = 0
    scored: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    reward_sum: float = 0.0
    component_sums: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    component_counts: Counter[str] = field(default_factory=Counter)
    flags: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0

    def add(self, result: Mapping[str, Any]) -> None:
        self.items += 1
        self.statuses[result["status"]] += 1
        if "reward" not in result:  # an invalid line: no reward to average
            return
        self.scored += 1
        self.reward_sum += result.get("reward") or 0.0
        for name, value in (result.get("components") or {}).items():
            if value is not None:
                self.component_sums[name] += value
                self.component_counts[name] += 1
        for name, component in (result.get("details") or {}).items():
            for flag in score_flags(component.get("details") or {}):
                self.flags[name, flag] += 1

    def lines(self) -> list[str]:
        rate = self.items / self.seconds if self.seconds else 0.0
        out = [f"{self.items} items in {self.seconds:.1f}s ({rate:.0f}/s)"]
        if self.scored:
            out.append(f"mean reward: {self.reward_sum / self.scored:.4f} over {self.scored} scored items")
        for name in sorted(self.component_counts):
            n = self.component_counts[name]
            out.append(f"  {name}: mean {self.component_sums[name] / n:.4f} over {n} scored")
        out.append("statuses: " + ", ".join(f"{k}={v}" for k, v in self.statuses.most_common()))
        flagged = sorted(self.flags.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append("flags: " + (", ".join(f"{c}/{f}={n}" for (c, f), n in flagged) or "none"))
        return out


def _read(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                yield n, line


def _line_id(line: str) -> Any:
    """The ``id`` of a line that is a JSON object but not a valid item (so its result keeps it)."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _parse(n: int, line: str, service: RewardService) -> Item | dict[str, Any]:
    try:
        item = Item.model_validate_json(line)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first.get("loc", ()))) or "line"
        invalid: dict[str, Any] = {"line": n, "status": "invalid_item", "error": f"{where}: {first['msg']}"}
        line_id = _line_id(line)
        return invalid if line_id is None else {"line": n, "id": line_id, **invalid}
    problem = service.task_problem(item.task)
    if problem is not None:
        return {"line": n, "id": item.id, "status": "invalid_item", "error": problem}
    return item


async def _score_chunk(
    service: RewardService, chunk: list[tuple[int, Item | dict[str, Any]]], spec: Any, out: TextIO, summary: Summary
) -> None:
    valid = [(n, item) for n, item in chunk if isinstance(item, Item)]
    items = [item for _, item in valid]
    plan = service.plan(spec, items)
    results = await service.score(items, plan) if items else []
    by_line = {n: r.model_dump() for (n, _), r in zip(valid, results, strict=True)}
    for n, item in chunk:
        result = {"line": n, **by_line[n]} if n in by_line else item
        summary.add(result)  # type: ignore[arg-type]
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


async def score_file(
    source: Path,
    target: Path,
    settings: Settings,
    components: Mapping[str, float | ComponentParams] | None = None,
    batch_size: int = 512,
    progress: bool = True,
    registry: Registry | None = None,
) -> Summary:
    """Score ``source`` into ``target``; raises RequestError for a bad component spec.

    ``registry`` replaces the built-in components (tests; it also turns the sandbox off).
    """
    from tqdm import tqdm

    spec = ScoreRequest(items=[], components=dict(components) if components is not None else None).components
    app = create_app(settings, registry=registry)
    summary = Summary()
    started = time.monotonic()
    async with app.router.lifespan_context(app):
        service: RewardService = app.state.service
        service.plan(spec, [])  # a bad spec fails before any work
        total = sum(1 for _ in _read(source))
        bar = tqdm(total=total, unit="item", disable=not progress, file=sys.stderr)
        with target.open("w", encoding="utf-8") as out:
            chunk: list[tuple[int, Item | dict[str, Any]]] = []
            for n, line in _read(source):
                chunk.append((n, _parse(n, line, service)))
                if len(chunk) >= batch_size:
                    await _score_chunk(service, chunk, spec, out, summary)
                    bar.update(len(chunk))
                    chunk = []
            if chunk:
                await _score_chunk(service, chunk, spec, out, summary)
                bar.update(len(chunk))
        bar.close()
    summary.seconds = time.monotonic() - started
    return summary

