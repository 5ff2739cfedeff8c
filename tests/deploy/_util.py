"""Helpers shared by the deployment tests."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def tool(name: str) -> str | None:
    """The path of a command-line tool, or None (the test then skips, naming the install line)."""
    return shutil.which(name)


def tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])
