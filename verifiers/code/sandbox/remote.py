"""A Sandbox Fusion cluster as a backend (``POST /run_code``, the engine verl and ROLL use).

For users with thousands of tests per step: execution moves to the cluster, judging stays
here - the cluster only ever receives the program and one test's input, never an expected
output, and its answer is judged by the same code as the local backend's.

Call-based tests are sent as one Python program: the candidate (as a string, executed as
module ``solution``), the plain-data codec and a driver that reads ``[args, kwargs]`` from
stdin and prints the encoded return value after a per-request random marker. Forging that
line is no better than returning the value: it is decoded into builtin types and compared
with type checks here.

Sandbox Fusion compiles on every call; it has no "compile once, run many".
"""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path
from typing import Any

import httpx

from verifiers.code.languages import LANGUAGES
from verifiers.code.sandbox.base import ExecRequest, ExecResult, RunInput, RunOutcome, SandboxError

__all__ = ["SandboxFusionBackend"]

_PLAINDATA_SOURCE = Path(__file__).with_name("plaindata.py").read_text(encoding="utf-8")
_CALL_HEADER = (
    "from typing import *\nfrom collections import *\nfrom itertools import *\n"
    "from functools import *\nfrom heapq import *\nfrom bisect import *\n"
    "import math, heapq, bisect, collections, itertools, functools, string, re, sys\n"
)


def call_program(source: str, fn: str, marker: str) -> str:
    """A standalone Python program that calls ``fn`` of ``source`` on stdin's arguments."""
    return f"""\
import sys as _sys, types as _types
_pd = _types.ModuleType("plaindata")
exec(compile({_PLAINDATA_SOURCE!r}, "plaindata.py", "exec"), _pd.__dict__)
_payload = _sys.stdin.read()
_mod = _types.ModuleType("solution")
_sys.modules["solution"] = _mod
exec(compile({_CALL_HEADER + source!r}, "solution.py", "exec"), _mod.__dict__)
_target = _mod.__dict__.get({fn!r})
if not callable(_target):
    _target = getattr(_mod.__dict__["Solution"](), {fn!r})
_args, _kwargs = _pd.loads(_payload)
_out = _pd.dumps(_target(*_args, **_kwargs))
_sys.stdout.flush()
_sys.stdout.write("\\n" + {marker!r} + _out + "\\n")
_sys.stdout.flush()
"""


class SandboxFusionBackend:
    """``url`` is the Sandbox Fusion base URL; ``concurrency`` bounds requests in flight."""

    def __init__(
        self,
        url: str,
        *,
        concurrency: int = 32,
        request_timeout: float = 120.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.parallelism = max(1, int(concurrency))
        self._timeout = request_timeout
        self._client = client
        self._own_client = client is None
        self._sem = asyncio.Semaphore(self.parallelism)

    async def start(self) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout)

    async def close(self) -> None:
        if self._client is not None and self._own_client:
            await self._client.aclose()
            self._client = None

    def describe(self) -> dict[str, Any]:
        return {"backend": "sandbox_fusion", "url": self.url, "concurrency": self.parallelism, "layers": "remote"}

    async def execute(self, request: ExecRequest) -> ExecResult:
        lang = LANGUAGES.get(request.language)
        if lang is None or not lang.fusion_name:
            raise SandboxError(f"language {request.language!r} not supported by sandbox_fusion")
        marker = f"@@result-{secrets.token_hex(8)}@@"
        code = request.source
        if request.mode == "call":
            code = call_program(request.source, request.fn or "", marker)
        results: list[RunOutcome] = []
        if request.stop_on_error:
            for run in request.runs:
                out, compile_out = await self._run(request, lang.fusion_name, code, run, marker)
                if compile_out is not None:
                    return ExecResult(runs=(), compile=compile_out)
                results.append(out)
                if out.status != "ok":
                    break
        else:
            pairs = await asyncio.gather(
                *(self._run(request, lang.fusion_name, code, run, marker) for run in request.runs)
            )
            for out, compile_out in pairs:
                if compile_out is not None:
                    return ExecResult(runs=(), compile=compile_out)
                results.append(out)
        return ExecResult(runs=tuple(results))

    async def _run(
        self, request: ExecRequest, language: str, code: str, run: RunInput, marker: str
    ) -> tuple[RunOutcome, RunOutcome | None]:
        body: dict[str, Any] = {
            "code": code,
            "language": language,
            "stdin": run.args if request.mode == "call" else run.stdin,
            "run_timeout": request.timeout,
            "compile_timeout": request.compile_timeout,
            "memory_limit_MB": request.memory_mb,
            "files": {},
            "fetch_files": [],
        }
        if self._client is None:
            raise SandboxError("sandbox_fusion backend not started")
        async with self._sem:
            try:
                resp = await self._client.post(f"{self.url}/run_code", json=body)
                resp.raise_for_status()
                data = resp.json()
            except (httpx.HTTPError, ValueError) as e:
                raise SandboxError(f"sandbox_fusion request failed: {type(e).__name__}") from None
        return _outcome(data, request, marker)


def _outcome(data: Any, request: ExecRequest, marker: str) -> tuple[RunOutcome, RunOutcome | None]:
    if not isinstance(data, dict):
        raise SandboxError("sandbox_fusion answered garbage")
    if data.get("status") == "SandboxError":
        raise SandboxError(f"sandbox_fusion: {str(data.get('message', ''))[:200]}")
    comp = data.get("compile_result") or None
    if isinstance(comp, dict) and (comp.get("status") != "Finished" or comp.get("return_code") not in (0, None)):
        status = "timeout" if comp.get("status") == "TimeLimitExceeded" else "compile_error"
        return RunOutcome("runtime_error"), RunOutcome(
            status, comp.get("return_code"), stdout=str(comp.get("stdout") or ""), stderr=str(comp.get("stderr") or "")
        )
    run = data.get("run_result")
    if not isinstance(run, dict):
        raise SandboxError("sandbox_fusion returned no run result")
    stdout, stderr = str(run.get("stdout") or ""), str(run.get("stderr") or "")
    code = run.get("return_code")
    result = None
    if request.mode == "call":
        kept: list[str] = []
        found: list[str] = []
        for line in stdout.split("\n"):
            (found if line.startswith(marker) else kept).append(line[len(marker) :] if line.startswith(marker) else line)
        stdout = "\n".join(kept)
        result = "\n".join(found)
    if run.get("status") == "TimeLimitExceeded":
        status = "timeout"
    elif len(stdout) > request.output_limit:
        status, stdout = "output_limit", stdout[: request.output_limit]
    elif run.get("status") == "Finished" and code == 0:
        status = "ok"
    elif "MemoryError" in stderr[-400:] or "bad_alloc" in stderr[-400:]:
        status = "memory"
    else:
        status = "runtime_error"
    out = RunOutcome(
        status, code if isinstance(code, int) else None, stdout=stdout, stderr=stderr[-8192:], result=result,
        wall=float(run.get("execution_time") or 0.0),
    )
    return out, None
