"""Our ``compute_score`` runs inside verl's own reward machinery against a running service.

verl 0.9.1 cannot share the test suite's environment (it needs transformers < 5.11; TRL's
test needs >= 5.24), so ``scripts/verl-venv.sh`` builds a venv for it once, cached under
``/var/tmp`` (about a minute on this machine, then instant), and ``verl_driver.py`` runs
there with ``PYTHONPATH`` at this checkout. The driver composes verl's ``ppo_trainer``
config with our documented overrides, lets verl load the documented one-line reward file,
and scores a four-sample rollout batch through the reward loop's worker (in process and
as Ray actors under ``RewardLoopManager``) and the legacy ``naive``/``batch`` managers.

The test asks the service for the same items itself, over plain HTTP without our client
or adapter, and checks that every path computed exactly the service's rewards (at the
last response token of verl's token-level tensor) and logged our per-component columns.
If the venv cannot be built (no route to PyPI) the test is skipped with pip's message,
unless ``REWARD_SERVER_VERL_REQUIRED=1`` makes that a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningServer, start_server, stop_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
VENV_SCRIPT = REPO / "scripts" / "verl-venv.sh"
DRIVER = Path(__file__).with_name("verl_driver.py")
PATHS = ("reward-loop", "ray", "legacy-naive", "legacy-batch")
COMPONENTS = {"accuracy": 1.0, "format": 0.5}
COMPONENTS_ARG = "accuracy:1,format:0.5"  # the same spec, in the reward_kwargs string form


def tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


@pytest.fixture(scope="module")
def verl_python() -> str:
    """The verl venv's interpreter; built on first use (idempotent and locked)."""
    proc = subprocess.run(
        ["bash", str(VENV_SCRIPT)], capture_output=True, text=True, timeout=1800, check=False
    )
    if proc.returncode == 3 and os.environ.get("REWARD_SERVER_VERL_REQUIRED") != "1":
        pytest.skip(f"the verl venv could not be built (is PyPI reachable?):\n{tail(proc.stderr)}")
    assert proc.returncode == 0, f"scripts/verl-venv.sh exited {proc.returncode}:\n{tail(proc.stderr)}"
    return proc.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def service() -> Iterator[RunningServer]:
    server = start_server({"REWARD_SERVER_WORKERS": "1", "REWARD_SERVER_QUARANTINE_WORKERS": "0"})
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def verl_run(verl_python: str, service: RunningServer) -> dict[str, Any]:
    """What verl computed on every path; the URL reaches the adapter (and Ray's actors) by env."""
    env = {**os.environ, "REWARD_SERVER_URL": service.url, "PYTHONPATH": str(REPO)}
    env.pop("REWARD_SERVER_COMPONENTS", None)
    proc = subprocess.run(
        [verl_python, str(DRIVER), "--paths", ",".join(PATHS), "--components", COMPONENTS_ARG],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, f"the verl driver exited {proc.returncode}:\n{tail(proc.stderr, 60)}"
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\nverl {result['verl']}, transformers {result['transformers']}, torch {result['torch']}")
    for path, out in result["paths"].items():
        print(f"  {path}: scores {out['scores']}, extra {out['reward_extra_info']}")
    return result


@pytest.fixture(scope="module")
def service_results(verl_run: dict[str, Any], service: RunningServer) -> list[dict[str, Any]]:
    """The service's own answer for the driver's samples, items written out by hand."""
    items = [
        {"completion": s["response"], "task": "math", "reference": s["ground_truth"]}
        for s in verl_run["samples"]
    ]
    response = service.post("/v1/score", {"items": items, "components": COMPONENTS})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def test_versions(verl_python: str, verl_run: dict[str, Any]) -> None:
    """The pinned stack really ran (a drifted venv would test something else), in the verl venv.

    Every figure is reported by the driver from inside that venv, not read on the host.
    """
    assert verl_run["verl"] == "0.9.1"
    assert tuple(int(x) for x in verl_run["transformers"].split(".")[:2]) < (5, 11)
    assert verl_run["torch"].startswith("2.13.0")
    assert tuple(int(x) for x in verl_run["python"].split(".")[:2]) >= (3, 10)
    assert Path(verl_run["prefix"]) == Path(verl_python).parents[1]  # bin/python of that venv
    assert Path(verl_run["prefix"]).resolve() != Path(sys.prefix).resolve()


def test_service_scores_the_samples_as_intended(service_results: list[dict[str, Any]]) -> None:
    """GSM8K ``#### 72`` right, MATH ``\\frac{1}{2}`` right, a wrong answer, no answer."""
    assert [r["components"]["accuracy"] for r in service_results] == [1.0, 1.0, 0.0, 0.0]
    assert [r["components"]["format"] for r in service_results] == [1.0, 1.0, 1.0, 0.0]
    assert [r["reward"] for r in service_results] == [1.5, 1.5, 0.5, 0.0]


@pytest.mark.parametrize("path", PATHS)
def test_verl_computes_the_service_rewards(
    path: str, verl_run: dict[str, Any], service_results: list[dict[str, Any]]
) -> None:
    out = verl_run["paths"][path]
    want = [r["reward"] for r in service_results]
    assert out["scores"] == pytest.approx(want)
    # an outcome reward: all of it on the last valid response token, nothing elsewhere
    assert out["at_last_token"] == pytest.approx(want)
    assert out["row_sums"] == pytest.approx(want)

    extra = out["reward_extra_info"]
    assert set(extra) == {"score", *COMPONENTS, "error"}, "one verl column per key, the same for all"
    assert extra["score"] == pytest.approx(want)
    for name in COMPONENTS:
        assert extra[name] == pytest.approx([r["components"][name] for r in service_results]), name
    assert extra["error"] == [0.0] * len(want)


def test_reward_loop_uses_the_reward_loop_manager(verl_run: dict[str, Any]) -> None:
    """verl 0.9.1 resolves ``naive`` to the reward loop's manager; Ray ran the configured workers."""
    assert verl_run["paths"]["reward-loop"]["manager"] == "verl.experimental.reward_loop.reward_manager.naive"
    assert verl_run["paths"]["legacy-naive"]["manager"] == "verl.workers.reward_manager.naive"
    assert verl_run["paths"]["ray"]["workers"] == 2
