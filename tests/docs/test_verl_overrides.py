"""The verl command lines of docs/trainers/verl.md parse with verl's own Hydra config.

Each documented ``verl.trainer.main_ppo`` command is split as a shell splits it, and its
overrides are composed into verl 0.9.1's ``ppo_trainer`` config in the verl venv (built
once by ``scripts/verl-venv.sh``, cached under /var/tmp). What reaches
``reward.custom_reward_function`` must be what our adapter reads: a valid component spec
and the documented URLs. If the venv cannot be built (no route to PyPI) the test says so
and skips, unless ``REWARD_SERVER_VERL_REQUIRED=1``.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reward_server.adapters import parse_components
from tests.docs.test_trainer_docs import blocks, check_spec

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
COMPOSE = Path(__file__).with_name("verl_compose.py")
# What an unquoted comma does in Hydra (the report): refused, so the test can fail.
REFUSED = "+reward.custom_reward_function.reward_kwargs.components=accuracy:1,format:0.5"


def commands() -> list[list[str]]:
    """The argument lists after ``-m verl.trainer.main_ppo`` in the page's shell blocks."""
    out = []
    for lang, code in blocks("verl.md"):
        if lang != "sh" or "verl.trainer.main_ppo" not in code:
            continue
        words = shlex.split(code.replace("\\\n", " "))
        out.append(words[words.index("verl.trainer.main_ppo") + 1 :])
    return out


@pytest.fixture(scope="module")
def verl_python() -> str:
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "verl-venv.sh")], capture_output=True, text=True, timeout=1800, check=False
    )
    if proc.returncode == 3 and os.environ.get("REWARD_SERVER_VERL_REQUIRED") != "1":
        pytest.skip(f"the verl venv could not be built (is PyPI reachable?): {proc.stderr[-2000:]}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.strip().splitlines()[-1]


def compose(python: str, overrides: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, str(COMPOSE)], input=json.dumps(overrides), capture_output=True, text=True, timeout=300, check=False
    )


def test_the_page_has_commands() -> None:
    assert len(commands()) >= 2


@pytest.mark.parametrize("index", range(len(commands())))
def test_documented_overrides_compose(verl_python: str, index: int) -> None:
    overrides = commands()[index]
    done = compose(verl_python, overrides)
    assert done.returncode == 0, done.stderr[-2000:]
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["verl"] == "0.9.1"
    fn = out["custom_reward_function"]
    assert fn["path"] == "/path/to/reward_fn.py"
    kwargs = fn["reward_kwargs"]
    # the adapter's string form, unchanged by Hydra
    assert kwargs["components"] == "accuracy:1,format:0.5"
    check_spec(parse_components(kwargs["components"]))
    documented_urls = re.findall(r"http://[^\s\"',]+", " ".join(overrides))
    assert kwargs["url"].split(",") == documented_urls


def test_an_unquoted_comma_is_refused(verl_python: str) -> None:
    """The check is real: Hydra refuses the form the page used to show."""
    done = compose(verl_python, [REFUSED])
    assert done.returncode == 3 and "Ambiguous value" in done.stderr
