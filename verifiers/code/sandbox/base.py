"""What every sandbox backend accepts and returns.

A backend executes a program on inputs and reports *what happened* (exit status, output,
serialised return value); it never sees expected outputs and never decides pass/fail.
Judging happens in :mod:`verifiers.code.judge`, in the service process, from data the
candidate cannot forge.

Errors: a backend raises :class:`SandboxError` when *it* failed (executor died, could not
start, remote returned ``SandboxError``); a candidate that crashes, loops or floods its
output is a normal :class:`RunOutcome` with a non-``ok`` status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "RunInput",
    "ExecRequest",
    "RunOutcome",
    "ExecResult",
    "SandboxError",
    "SandboxBackend",
    "RUN_STATUSES",
]

Mode = Literal["stdio", "call"]

# What a single execution can end as. "ok" only means "exited with status 0".
RUN_STATUSES = (
    "ok",
    "runtime_error",
    "timeout",
    "memory",
    "output_limit",
    "file_limit",
    "disk_limit",
    "compile_error",
)


class SandboxError(RuntimeError):
    """The sandbox itself failed; the candidate's code was not (fully) judged."""


@dataclass(frozen=True, slots=True)
class RunInput:
    """One execution: text on stdin, or (call mode) the encoded ``[args, kwargs]``."""

    stdin: str = ""
    args: str | None = None


@dataclass(frozen=True, slots=True)
class ExecRequest:
    language: str
    source: str
    runs: tuple[RunInput, ...]
    mode: Mode = "stdio"
    fn: str | None = None
    timeout: float = 5.0
    compile_timeout: float = 10.0
    memory_mb: int = 512
    output_limit: int = 1 << 20
    stop_on_error: bool = False


@dataclass(frozen=True, slots=True)
class RunOutcome:
    status: str
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    result: str | None = None
    wall: float = 0.0
    cpu: float = 0.0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunOutcome:
        return cls(
            status=str(d.get("status", "runtime_error")),
            exit_code=d.get("exit_code"),
            signal=d.get("signal"),
            stdout=str(d.get("stdout") or ""),
            stderr=str(d.get("stderr") or ""),
            result=d.get("result"),
            wall=float(d.get("wall") or 0.0),
            cpu=float(d.get("cpu") or 0.0),
        )


@dataclass(frozen=True, slots=True)
class ExecResult:
    """``compile`` is set when there was a compile step; ``runs`` may stop short of the
    request's runs after a compile error or (``stop_on_error``) a failed run."""

    runs: tuple[RunOutcome, ...]
    compile: RunOutcome | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class SandboxBackend(Protocol):
    parallelism: int

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def describe(self) -> dict[str, Any]: ...

    async def execute(self, request: ExecRequest) -> ExecResult: ...
