"""A scripted backend for tests: no processes, answers chosen by the test.

Like httpx's ``MockTransport``: the component under test cannot tell it from a real
sandbox, so tests of extraction, judging and error mapping run in microseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifiers.code.sandbox.base import ExecRequest, ExecResult, RunInput, RunOutcome, SandboxError

__all__ = ["FakeSandbox"]

Script = Callable[[ExecRequest], ExecResult]


class FakeSandbox:
    """``script(request) -> ExecResult``; by default each run is ``ok`` and prints what
    ``stdout(run)`` returns (nothing). ``fail`` makes every call raise :class:`SandboxError`."""

    parallelism = 2

    def __init__(
        self,
        script: Script | None = None,
        *,
        stdout: Callable[[RunInput], str] | None = None,
        fail: str | None = None,
    ) -> None:
        self.script = script
        self.stdout = stdout or (lambda run: "")
        self.fail = fail
        self.requests: list[ExecRequest] = []
        self.started = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.started = False

    def describe(self) -> dict[str, Any]:
        return {"backend": "fake", "layers": {}}

    async def execute(self, request: ExecRequest) -> ExecResult:
        self.requests.append(request)
        if self.fail:
            raise SandboxError(self.fail)
        if self.script is not None:
            return self.script(request)
        return ExecResult(runs=tuple(RunOutcome("ok", 0, stdout=self.stdout(r)) for r in request.runs))
