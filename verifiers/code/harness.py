"""Running a test suite against a candidate and turning what happened into verdicts.

The rule every path follows: expected values never enter the sandbox, and the verdict is
decided here from data the candidate cannot forge.

* stdin/stdout tests: the child gets the input; its stdout is compared here.
* call tests (``fn_name``): the child gets the arguments and writes back the return value
  as tagged plain data (:mod:`.sandbox.plaindata`); it is compared here with type checks.
* assert lists and human-eval ``check``: these hold their expected values inside test
  code. That code is the dataset's (trusted), so it runs here, in a worker thread under a
  deadline, with every function the candidate defines replaced by a proxy that runs the
  call in the sandbox and returns plain data. ``assert candidate(x) == y`` then compares a
  real builtin value with ``y``; the candidate never sees ``y`` nor the stack it lives in.
"""

from __future__ import annotations

import ast
import asyncio
import builtins
import math
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from verifiers.code.compare import stdout_matches, values_equal
from verifiers.code.references import CallTest, InvalidReference, StdioTest, TestSuite
from verifiers.code.sandbox import plaindata
from verifiers.code.sandbox.base import (
    ExecRequest,
    ExecResult,
    RunInput,
    RunOutcome,
    SandboxBackend,
    SandboxError,
)

__all__ = ["Verdict", "Limits", "run_suite"]

PASSED = "passed"
NOT_RUN = "not_run"


@dataclass(frozen=True, slots=True)
class Verdict:
    name: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.name == PASSED


@dataclass(frozen=True, slots=True)
class Limits:
    run_timeout: float
    compile_timeout: float
    memory_mb: int
    output_limit: int
    float_tolerance: float | None
    stop_on_first_failure: bool
    check_timeout: float


def _tail(text: str, n: int = 300) -> str:
    text = text.strip()
    return text if len(text) <= n else "..." + text[-n:]


def _failed_run(out: RunOutcome) -> Verdict:
    detail = _tail(out.stderr)
    if out.signal:
        detail = f"killed by signal {out.signal}" + (f": {detail}" if detail else "")
    elif out.exit_code not in (None, 0):
        detail = f"exit code {out.exit_code}" + (f": {detail}" if detail else "")
    return Verdict(out.status, detail)


def _compile_failed(result: ExecResult) -> Verdict | None:
    c = result.compile
    if c is None or c.status == "ok":
        return None
    name = "compile_timeout" if c.status == "timeout" else "compile_error"
    return Verdict(name, _tail(c.stderr or c.stdout, 500))


def _chunks(n: int, parallelism: int, sequential: bool) -> list[range]:
    """Parallel: one chunk per slot. Sequential (stop at the first failure): chunks of
    1, 2, 4... so a candidate failing test 1 costs one run, a passing one few round trips."""
    if not sequential:
        size = max(4, math.ceil(n / max(1, parallelism)))
        return [range(i, min(n, i + size)) for i in range(0, n, size)]
    out, i, size = [], 0, 1
    while i < n:
        out.append(range(i, min(n, i + size)))
        i += size
        size = min(size * 2, 32)
    return out


async def _run_batched(
    backend: SandboxBackend,
    make: Callable[[range], ExecRequest],
    judge: Callable[[int, RunOutcome], Verdict],
    n: int,
    limits: Limits,
    compiled: bool,
) -> list[Verdict]:
    """Split ``n`` runs into requests (parallel, or in order when stopping at the first
    failure); compiled languages go as one request so they compile once."""
    if compiled:
        ranges = [range(n)]
    else:
        ranges = _chunks(n, getattr(backend, "parallelism", 1), limits.stop_on_first_failure)
    verdicts: list[Verdict | None] = [None] * n

    async def one(r: range) -> bool:
        result = await backend.execute(make(r))
        failed = _compile_failed(result)
        if failed:
            for i in r:
                verdicts[i] = failed
            return False
        ok = True
        for i, out in zip(r, result.runs):
            verdicts[i] = judge(i, out)
            ok = ok and verdicts[i].passed  # type: ignore[union-attr]
        return ok and len(result.runs) == len(r)

    if limits.stop_on_first_failure:
        for r in ranges:
            if not await one(r):
                break
    else:
        await asyncio.gather(*(one(r) for r in ranges))
    return [v or Verdict(NOT_RUN) for v in verdicts]


async def _stdio(backend: SandboxBackend, suite: TestSuite, lang: str, code: str, limits: Limits, compiled: bool) -> list[Verdict]:
    tests: Sequence[StdioTest] = suite.tests
    out_limit = max(limits.output_limit, 2 * max(len(t.output) for t in tests) + 4096)

    def make(r: range) -> ExecRequest:
        return ExecRequest(
            language=lang,
            source=code,
            runs=tuple(RunInput(stdin=tests[i].input) for i in r),
            timeout=limits.run_timeout,
            compile_timeout=limits.compile_timeout,
            memory_mb=limits.memory_mb,
            output_limit=out_limit,
            stop_on_error=limits.stop_on_first_failure,
        )

    def judge(i: int, out: RunOutcome) -> Verdict:
        if out.status != "ok":
            return _failed_run(out)
        ok, why = stdout_matches(out.stdout, tests[i].output, limits.float_tolerance)
        return Verdict(PASSED) if ok else Verdict("wrong_answer", why)

    return await _run_batched(backend, make, judge, len(tests), limits, compiled)


def _decode_result(out: RunOutcome) -> tuple[Any, Verdict | None]:
    """The return value a call run reported, or why there is none."""
    if out.status != "ok":
        return None, _failed_run(out)
    text = (out.result or "").strip()
    if not text:
        return None, Verdict("no_result", "the program ended without returning from the call")
    if "\n" in text:
        return None, Verdict("bad_result", "more than one result written")
    try:
        return plaindata.loads(text), None
    except plaindata.DecodeError as e:
        return None, Verdict("bad_result", str(e)[:200])


async def _calls(backend: SandboxBackend, suite: TestSuite, code: str, limits: Limits) -> list[Verdict]:
    tests: Sequence[CallTest] = suite.tests
    payloads = []
    for t in tests:
        try:
            payloads.append(plaindata.dumps([list(t.args), {}]))
        except (plaindata.EncodeError, ValueError) as e:
            raise InvalidReference(f"call arguments not serialisable: {e}") from None

    def make(r: range) -> ExecRequest:
        return ExecRequest(
            language="python",
            source=code,
            runs=tuple(RunInput(args=payloads[i]) for i in r),
            mode="call",
            fn=suite.fn_name,
            timeout=limits.run_timeout,
            memory_mb=limits.memory_mb,
            output_limit=limits.output_limit,
            stop_on_error=limits.stop_on_first_failure,
        )

    def judge(i: int, out: RunOutcome) -> Verdict:
        value, failed = _decode_result(out)
        if failed:
            return failed
        if any(values_equal(value, e, limits.float_tolerance) for e in tests[i].expected):
            return Verdict(PASSED)
        return Verdict("wrong_answer", f"returned a {type(value).__name__}")

    return await _run_batched(backend, make, judge, len(tests), limits, False)


# --- trusted test code with proxies ---------------------------------------------------------


class _CandidateFailed(BaseException):
    """The proxied call did not return; BaseException so test code cannot swallow it."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.name)
        self.verdict = verdict


class _Deadline(BaseException):
    pass


class _SandboxDown(BaseException):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_CHECK_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _CHECK_POOL
    if _CHECK_POOL is None:
        _CHECK_POOL = ThreadPoolExecutor(max_workers=32, thread_name_prefix="code-check")
    return _CHECK_POOL


def _raised_builtin(stderr: str) -> BaseException | None:
    """The builtin exception a candidate raised, re-created here for tests that expect one
    (``with pytest.raises(ValueError)`` style); marked as coming from the candidate."""
    lines = [line for line in stderr.strip().split("\n") if line.strip()]
    if not lines:
        return None
    name, _, msg = lines[-1].partition(":")
    cls = getattr(builtins, name.strip(), None)
    if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == "builtins":
        try:
            exc = cls(msg.strip())
        except Exception:
            return None
        exc._from_candidate = True  # type: ignore[attr-defined]
        return exc
    return None


class _Caller:
    """Runs one proxied call in the sandbox from the check thread, blocking on the loop."""

    def __init__(self, backend: SandboxBackend, loop: asyncio.AbstractEventLoop, code: str, limits: Limits, deadline: float) -> None:
        self.backend, self.loop, self.code, self.limits, self.deadline = backend, loop, code, limits, deadline
        self.calls = 0

    def __call__(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            payload = plaindata.dumps([list(args), dict(kwargs)])
        except (plaindata.EncodeError, ValueError) as e:
            raise InvalidReference(f"test passes an argument the sandbox cannot carry: {e}") from None
        self.calls += 1
        request = ExecRequest(
            language="python",
            source=self.code,
            runs=(RunInput(args=payload),),
            mode="call",
            fn=name,
            timeout=self.limits.run_timeout,
            memory_mb=self.limits.memory_mb,
            output_limit=self.limits.output_limit,
        )
        future = asyncio.run_coroutine_threadsafe(self.backend.execute(request), self.loop)
        try:
            result = future.result(timeout=max(0.0, self.deadline - time.monotonic()))
        except FutureTimeout:
            future.cancel()
            raise _Deadline() from None
        except SandboxError as e:
            raise _SandboxDown(str(e)) from None
        if not result.runs:
            raise _SandboxDown("sandbox returned no run")
        out = result.runs[0]
        value, failed = _decode_result(out)
        if failed:
            if out.status == "runtime_error":
                exc = _raised_builtin(out.stderr)
                if exc is not None:
                    raise exc
            raise _CandidateFailed(failed)
        return value


class _Proxy:
    def __init__(self, caller: _Caller, name: str) -> None:
        self._caller, self._name = caller, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._caller(self._name, args, kwargs)

    def __repr__(self) -> str:
        return f"<candidate {self._name}>"


def _candidate_functions(code: str) -> list[str] | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


_PRELUDE = "import math, re, string, collections, itertools, functools, heapq, bisect\nfrom typing import *\n"


def _classify(exc: BaseException) -> Verdict:
    if isinstance(exc, _CandidateFailed):
        return exc.verdict
    if isinstance(exc, _Deadline):
        return Verdict("timeout", "test deadline exceeded")
    if getattr(exc, "_from_candidate", False):
        return Verdict("runtime_error", f"{type(exc).__name__}: {str(exc)[:200]}")
    if isinstance(exc, AssertionError):
        return Verdict("wrong_answer", "assertion failed")
    return Verdict("wrong_answer", f"test raised {type(exc).__name__}")


def _check_thread(suite: TestSuite, code: str, caller: _Caller) -> list[Verdict]:
    """Runs in a worker thread: the trusted test code, traced so the deadline can stop it."""
    deadline = caller.deadline

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _Deadline()
        return tracer

    names = _candidate_functions(code)
    n = len(suite)
    if names is None:
        return [Verdict("compile_error", "candidate is not valid Python")] * n
    if suite.kind == "check" and suite.entry_point not in names:
        names.append(suite.entry_point)
    ns: dict[str, Any] = {"__builtins__": builtins, "__name__": "__check__"}
    exec(compile(_PRELUDE, "<prelude>", "exec"), ns)
    ns.update({name: _Proxy(caller, name) for name in names})
    sys.settrace(tracer)
    try:
        try:
            if suite.check:
                exec(compile(suite.check, "<test>", "exec"), ns)
        except (SyntaxError, NameError, ImportError) as e:
            raise InvalidReference(f"test code does not run: {type(e).__name__}: {e}") from None
        if suite.kind == "check":
            check = ns.get("check")
            if not callable(check):
                raise InvalidReference("test code defines no check(candidate)")
            try:
                check(ns[suite.entry_point])
                return [Verdict(PASSED)]
            except _SandboxDown:
                raise
            except InvalidReference:
                raise
            except BaseException as e:
                return [_classify(e)]
        verdicts = []
        for i, stmt in enumerate(suite.tests):
            try:
                compiled = compile(stmt, f"<assert {i}>", "exec")
            except SyntaxError as e:
                raise InvalidReference(f"assert {i} is not valid Python: {e}") from None
            try:
                exec(compiled, ns)
                verdicts.append(Verdict(PASSED))
            except (_SandboxDown, InvalidReference):
                raise
            except BaseException as e:
                v = _classify(e)
                verdicts.append(v)
                if v.name == "timeout" or caller.limits.stop_on_first_failure:
                    verdicts += [Verdict(NOT_RUN)] * (n - len(verdicts))
                    break
        return verdicts
    finally:
        sys.settrace(None)


async def _checks(backend: SandboxBackend, suite: TestSuite, code: str, limits: Limits) -> list[Verdict]:
    loop = asyncio.get_running_loop()
    caller = _Caller(backend, loop, code, limits, time.monotonic() + limits.check_timeout)
    try:
        return await loop.run_in_executor(_pool(), _check_thread, suite, code, caller)
    except _SandboxDown as e:
        raise SandboxError(e.message) from None


async def run_suite(backend: SandboxBackend, suite: TestSuite, lang: str, code: str, limits: Limits, compiled: bool) -> list[Verdict]:
    """Verdicts for every test of ``suite`` (``not_run`` for those skipped after a failure)."""
    if suite.kind == "stdio":
        return await _stdio(backend, suite, lang, code, limits, compiled)
    if lang != "python":
        raise InvalidReference(f"{suite.kind} tests are supported for Python only, not {lang}")
    if suite.kind == "call":
        return await _calls(backend, suite, code, limits)
    return await _checks(backend, suite, code, limits)
