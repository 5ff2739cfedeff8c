"""Sandbox backends: where candidate code runs. Judging never happens here.

* :class:`LocalSandbox` - pre-forked zygotes on this machine, every isolation layer the
  kernel allows;
* :class:`SandboxFusionBackend` - a Sandbox Fusion cluster over ``POST /run_code``;
* :class:`FakeSandbox` - scripted answers for tests.
"""

from __future__ import annotations

from typing import Any

from verifiers.code.sandbox.base import (
    ExecRequest,
    ExecResult,
    RunInput,
    RunOutcome,
    SandboxBackend,
    SandboxError,
)
from verifiers.code.sandbox.fake import FakeSandbox
from verifiers.code.sandbox.local import LocalSandbox
from verifiers.code.sandbox.remote import SandboxFusionBackend

__all__ = [
    "ExecRequest",
    "ExecResult",
    "RunInput",
    "RunOutcome",
    "SandboxBackend",
    "SandboxError",
    "FakeSandbox",
    "LocalSandbox",
    "SandboxFusionBackend",
    "make_backend",
]


def make_backend(kind: str = "local", *, url: str | None = None, slots: int = 2, **options: Any) -> SandboxBackend:
    """Build a backend by name: ``local`` (options go to :class:`LocalSandbox`),
    ``sandbox_fusion`` (alias ``remote``; needs ``url``), or ``fake``."""
    if kind == "local":
        return LocalSandbox(slots, **options)
    if kind in ("sandbox_fusion", "remote"):
        if not url:
            raise ValueError("the sandbox_fusion backend needs a url")
        return SandboxFusionBackend(url, **options)
    if kind == "fake":
        return FakeSandbox(**options)
    raise ValueError(f"unknown sandbox backend {kind!r}")
