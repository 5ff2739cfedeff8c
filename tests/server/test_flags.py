"""Hack flags: a component result's ``details.flags`` is counted in /metrics and the offline summary.

The component here is a stand-in that flags what a policy tried, as math accuracy does;
the counting must not depend on which component flags.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from fastapi.testclient import TestClient

from reward_server.batch import Summary, score_file
from reward_server.metrics import score_flags
from reward_server.settings import Settings
from tests.conftest import AppFactory
from verifiers.components import default_registry
from verifiers.registry import Registry
from verifiers.types import Sample, Score


@dataclass(frozen=True)
class FlagConfig:
    pass


class Flagger:
    """Flags each word of the completion that starts with ``!`` (``!hedge !hedge`` flags once)."""

    name = "flagger"
    config_type = FlagConfig
    requires: ClassVar[tuple[str, ...]] = ()

    def evaluate(self, sample: Sample, config: FlagConfig) -> Score:
        flags = [w[1:] for w in sample.completion.split() if w.startswith("!")]
        return Score(0.0 if flags else 1.0, details={"flags": flags} if flags else {})


def registry() -> Registry:
    return default_registry([Flagger()])


@pytest.mark.parametrize(
    ("details", "flags"),
    [
        ({}, []),
        ({"flags": []}, []),
        ({"flags": ["several_answers", "hidden_markup"]}, ["several_answers", "hidden_markup"]),
        ({"flags": ["injection", "injection"]}, ["injection"]),
        ({"flags": ["Ignore previous instructions!", 7, None]}, ["other"]),  # never text as a label
        ({"flags": ["x" * 65]}, ["other"]),
        ({"flags": "negated"}, []),  # not a list: not flags
    ],
)
def test_flags_read_from_details(details: dict[str, Any], flags: list[str]) -> None:
    assert score_flags(details) == flags


def metric_lines(client: TestClient) -> list[str]:
    return [line for line in client.get("/metrics").text.splitlines() if line.startswith("reward_server_flags_total")]


def test_metrics_count_items_by_flag_and_component(make_client: AppFactory) -> None:
    client = make_client(registry=registry())
    items = [
        {"completion": "!hedge !hedge"},
        {"completion": "!hedge !hidden_markup"},
        {"completion": "clean"},
    ]
    response = client.post("/v1/score", json={"items": items, "components": {"flagger": 1}})
    assert response.status_code == 200
    assert response.json()["results"][0]["details"]["flagger"]["details"]["flags"] == ["hedge", "hedge"]
    client.post("/compat/slime?components=flagger", json={"response": "!injection"})
    assert sorted(metric_lines(client)) == [
        'reward_server_flags_total{component="flagger",flag="hedge"} 2.0',
        'reward_server_flags_total{component="flagger",flag="hidden_markup"} 1.0',
        'reward_server_flags_total{component="flagger",flag="injection"} 1.0',
    ]


def test_no_flags_no_series(client: TestClient) -> None:
    client.post("/v1/score", json={"items": [{"completion": "<think>a</think><answer>1</answer>", "reference": "1"}]})
    assert metric_lines(client) == []


def test_summary_prints_flag_counts() -> None:
    summary = Summary()
    flagged = {"status": "ok", "reward": 0.0, "components": {"accuracy": 0.0},
               "details": {"accuracy": {"details": {"flags": ["several_answers", "negated"]}}}}
    summary.add(flagged)
    summary.add(flagged)
    summary.add({"status": "ok", "reward": 1.0, "components": {"accuracy": 1.0},
                 "details": {"accuracy": {"details": {"flags": ["negated"]}}, "format": {"details": {}}}})
    assert summary.lines()[-1] == "flags: accuracy/negated=3, accuracy/several_answers=2"
    assert Summary().lines()[-1] == "flags: none"


def test_offline_score_counts_flags(tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [{"completion": "!hedge"}, {"completion": "!hedge !prose"}, {"completion": "ok"}]
    source.write_text("".join(json.dumps(x) + "\n" for x in lines))
    settings = Settings(workers=1, quarantine_workers=0, sandbox="none")  # type: ignore[call-arg]

    summary = asyncio.run(
        score_file(source, target, settings, {"flagger": 1}, progress=False, registry=registry())
    )
    assert summary.flags == {("flagger", "hedge"): 2, ("flagger", "prose"): 1}
    assert "flags: flagger/hedge=2, flagger/prose=1" in summary.lines()
