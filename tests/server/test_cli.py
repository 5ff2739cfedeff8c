"""`reward-server serve`: options from flags, then REWARD_SERVER_* variables, then defaults."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pydantic import ValidationError

from reward_server import cli
from reward_server.settings import Settings


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REWARD_SERVER_PORT", "9123")
    monkeypatch.setenv("REWARD_SERVER_ITEM_TIMEOUT", "2.5")
    monkeypatch.setenv("REWARD_SERVER_TIMEOUT_SCORE", "null")
    settings = Settings()
    assert settings.port == 9123
    assert settings.item_timeout == 2.5
    assert settings.timeout_score is None
    assert settings.host == "127.0.0.1"


def test_flags_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Settings] = []
    monkeypatch.setenv("REWARD_SERVER_PORT", "9123")
    monkeypatch.setattr(cli, "serve", seen.append)
    cli.main(["serve", "--port", "9555", "--workers", "3"])
    assert seen[0].port == 9555
    assert seen[0].workers == 3


def test_every_setting_has_a_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "reward_server.cli", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in Settings.model_fields:
        assert "--" + name.replace("_", "-") in out


def test_bad_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "serve", lambda s: None)
    with pytest.raises(ValidationError, match="item_timeout"):
        cli.main(["serve", "--item-timeout", "-1"])


def test_help_shows_defaults_and_every_option_has_help() -> None:
    serve = subprocess.run(
        [sys.executable, "-m", "reward_server.cli", "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(serve.split())
    assert "(default: 8000)" in flat and "(default: 127.0.0.1)" in flat and "(default: 5.0)" in flat
    score = subprocess.run(
        [sys.executable, "-m", "reward_server.cli", "score", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(score.split())
    assert "--batch-size BATCH_SIZE items per request to the scoring service (default: 512)" in flat
