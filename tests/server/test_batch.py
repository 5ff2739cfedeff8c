"""`reward-server score IN.jsonl -o OUT.jsonl`: offline scoring through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ENV = {**os.environ, "REWARD_SERVER_WORKERS": "1", "REWARD_SERVER_QUARANTINE_WORKERS": "0", "REWARD_SERVER_SANDBOX": "none"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reward_server.cli", "score", *args], env=ENV, capture_output=True, text=True, timeout=120
    )


def test_scores_a_file_in_order_with_a_summary(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [
        {"id": "a", "completion": "<think>r</think><answer>4</answer>", "reference": "4"},
        "not json at all",
        {"id": "c", "completion": "\\boxed{(x+1)^2}", "reference": "x^2+2x+1"},
        {"id": "d", "completion": "x", "task": "poetry"},
        {"id": "e", "completion": "no answer", "reference": "1"},
    ]
    source.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n\n")
    done = run(str(source), "-o", str(target), "--no-progress", "--batch-size", "2")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["line"] for r in results] == [1, 2, 3, 4, 5]
    assert [r["status"] for r in results] == ["ok", "invalid_item", "ok", "invalid_item", "no_answer"]
    assert results[0]["components"] == {"accuracy": 1.0, "format": 1.0}
    assert results[2]["components"]["accuracy"] == 1.0
    assert "unknown task" in results[3]["error"]
    assert "5 items" in done.stderr and "statuses: " in done.stderr and "mean reward" in done.stderr


def test_components_spec_and_bad_spec(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"completion": "<think>r</think><answer>4</answer>", "reference": "4"}) + "\n")
    done = run(str(source), "-o", str(target), "--no-progress", "--components", '{"format": {"weight": 2, "mode": "think"}}')
    assert done.returncode == 0, done.stderr
    [result] = [json.loads(line) for line in target.read_text().splitlines()]
    assert result["components"] == {"format": 1.0} and result["reward"] == 2.0
    bad = run(str(source), "-o", str(target), "--components", '{"nope": 1}')
    assert bad.returncode == 2
    assert "unknown component 'nope'" in bad.stderr
    missing = run(str(tmp_path / "absent.jsonl"), "-o", str(target))
    assert missing.returncode == 2


def test_summary_means_count_scored_lines_only_and_invalid_lines_keep_their_id(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [
        {"id": "good", "completion": "<think>r</think><answer>4</answer>", "reference": "4"},
        {"id": "bad-1", "completion": 5},  # parses as JSON, not an item
        {"id": "bad-2", "completion": "x", "task": "poetry"},
        "not json",
    ]
    source.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n")
    done = run(str(source), "-o", str(target), "--no-progress")
    assert done.returncode == 0, done.stderr
    results = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r.get("id") for r in results] == ["good", "bad-1", "bad-2", None]
    assert "mean reward: 2.0000 over 1 scored items" in done.stderr  # not 2/4
    assert "flags: none" in done.stderr


def test_bad_components_flag_is_named(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n")
    bad = run(str(source), "-o", str(tmp_path / "out.jsonl"), "--components", "not json")
    assert bad.returncode == 2
    assert "--components" in bad.stderr and "JSON" in bad.stderr
    listed = run(str(source), "-o", str(tmp_path / "out.jsonl"), "--components", "[1, 2]")
    assert listed.returncode == 2 and "--components" in listed.stderr
