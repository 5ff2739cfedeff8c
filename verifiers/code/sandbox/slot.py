"""One slot, seen from the service: its zygote, and the bytes of every run it forks.

Runs in a worker thread of the service (one per slot), never on the event loop: the run's
pipes are read here with their caps, so a flood of output or a slow child costs this
thread, not the loop. The zygote hands over the service's ends of the child's pipes and a
pidfd (see :mod:`.zygote`); the request is written into the child and its output read here,
so no request data or result ever enters the process every run is forked from.

A slot is *rebuilt* (zygote killed, every process of its uid killed, a fresh scratch) when
its zygote died, answered out of turn, or reported a scratch it could not empty; until
then it takes no run. A run whose cleanup failed because of what it left is the
candidate's failure (``disk_limit``), never a sandbox error.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

from verifiers.code.sandbox import protocol
from verifiers.code.sandbox.base import ExecResult, RunOutcome, SandboxError

__all__ = ["Job", "Step", "Slot", "classify"]

STDERR_CAP = 8 * 1024
DRAIN_AFTER_EXIT = 0.2
GRACE = 10.0
SYNTAX_EXIT = 98
CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class Step:
    """One child: ``stage``/``compile`` write ``files`` into the build directory, ``run``
    executes; ``request`` is what the child reads after the fork (its own data only)."""

    step: str
    argv: tuple[str, ...]
    limits: dict[str, int]
    memcg_bytes: int
    timeout: float
    ruleset: str
    request: dict[str, Any]
    call: bool = False
    output_limit: int = 1 << 20


@dataclass(frozen=True, slots=True)
class Job:
    prepare: Step | None
    runs: tuple[Step, ...]
    stop_on_error: bool = False
    compiled: bool = False


@dataclass
class _Reader:
    fd: int
    cap: int
    data: bytearray = field(default_factory=bytearray)
    over: bool = False


def classify(code: int, stderr: str, cpu: float, timeout: float, compile_step: bool) -> str:
    """The status of a run from how it ended (flags from the zygote are applied first)."""
    if code == 0:
        return "ok"
    if compile_step:
        return "compile_error"
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and cpu >= int(timeout) + 1):
        return "timeout"
    if code == -signal.SIGXFSZ:
        return "file_limit"
    if code == SYNTAX_EXIT and "SyntaxError" in stderr:
        return "compile_error"
    tail = stderr[-400:]
    if "MemoryError" in tail or "bad_alloc" in tail or "out of memory" in tail.lower():
        return "memory"
    return "runtime_error"


class Slot:
    """A zygote and its control socket; every method runs in the slot's worker thread."""

    def __init__(self, index: int, python: str, zygote: str, config: dict[str, Any], env: dict[str, str]) -> None:
        self.index = index
        self.config = config
        self._argv = [python, "-I", "-B", zygote]
        self._env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.sock: socket.socket | None = None
        self.layers: dict[str, Any] = {}
        self.needs_rebuild = False
        self._ids = 0

    # --- lifecycle ------------------------------------------------------------------

    def spawn(self, timeout: float = 30.0) -> None:
        ours, theirs = protocol.pair()
        config = {**self.config, "control_fd": theirs.fileno()}
        try:
            self.proc = subprocess.Popen(
                [*self._argv, json.dumps(config)], pass_fds=[theirs.fileno()], env=self._env, cwd="/",
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True,
            )
        finally:
            theirs.close()
        ours.settimeout(timeout)
        self.sock = ours
        try:
            hello, fds = protocol.recv(ours)
        except (OSError, protocol.ProtocolError) as e:
            self.kill()
            raise SandboxError(f"zygote for slot {self.index} did not start: {type(e).__name__}") from None
        for fd in fds:
            os.close(fd)
        self.layers = hello.get("layers", {})
        self.needs_rebuild = False

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and not self.needs_rebuild

    def kill(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(5)
        self.proc = None

    # --- one request -----------------------------------------------------------------

    def execute(self, job: Job) -> ExecResult:
        """Run ``job``; raises :class:`SandboxError` (and marks the slot for rebuilding)
        when the zygote misbehaves."""
        try:
            return self._execute(job)
        except (OSError, protocol.ProtocolError, ValueError, KeyError) as e:
            self.needs_rebuild = True
            raise SandboxError(f"executor failed: {type(e).__name__}: {e}") from None

    def _execute(self, job: Job) -> ExecResult:
        self._ids += 1
        build = self._ids
        try:
            compiled = None
            if job.prepare is not None:
                out = self._step(build, job.prepare)
                if job.compiled or out.status != "ok":
                    compiled = out
                if out.status != "ok":
                    return ExecResult(runs=(), compile=compiled, meta={"slot": self.index})
            runs = []
            for step in job.runs:
                out = self._step(build, step)
                runs.append(out)
                if job.stop_on_error and out.status != "ok":
                    break
            return ExecResult(runs=tuple(runs), compile=compiled, meta={"slot": self.index})
        finally:
            if self.sock is not None and not self.needs_rebuild:
                reply = self._ask({"op": "close", "id": f"c{build}", "build": build}, GRACE)
                self.needs_rebuild = bool(reply.get("dirty"))

    def _ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        sock = self.sock
        if sock is None:
            raise protocol.ProtocolError("slot was shut down")
        protocol.send(sock, message)
        sock.settimeout(timeout)
        reply, fds = protocol.recv(sock)
        for fd in fds:
            os.close(fd)
        if reply.get("id") != message["id"] or "error" in reply:
            raise protocol.ProtocolError(str(reply.get("error", "answer out of turn")))
        return reply

    def _step(self, build: int, step: Step) -> RunOutcome:
        # One reference for the whole step: ``kill`` (from ``close``, another thread) sets
        # ``self.sock`` to None, and a closed socket then fails here as an OSError.
        sock = self.sock
        if sock is None:
            raise protocol.ProtocolError("slot was shut down")
        self._ids += 1
        ident = self._ids
        protocol.send(
            sock,
            {
                "op": "run", "id": ident, "build": build, "step": step.step, "argv": list(step.argv),
                "limits": step.limits, "memcg_bytes": step.memcg_bytes, "timeout": step.timeout,
                "call": step.call, "ruleset": step.ruleset,
            },
        )
        sock.settimeout(GRACE)
        forked, fds = protocol.recv(sock)
        if forked.get("id") != ident or not forked.get("forked") or len(fds) != (5 if step.call else 4):
            for fd in fds:
                os.close(fd)
            raise protocol.ProtocolError(str(forked.get("error", "answer out of turn")))
        try:
            return self._drive(sock, ident, step, fds)
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _drive(self, sock: socket.socket, ident: int, step: Step, fds: list[int]) -> RunOutcome:
        """Feed the child, read its pipes with caps, until the zygote reports it done."""
        request_w, pidfd = fds[0], fds[-1]
        readers = {fd: _Reader(fd, cap) for fd, cap in zip(fds[1:-1], (step.output_limit, STDERR_CAP, step.output_limit))}
        pending = memoryview(json.dumps(step.request, separators=(",", ":")).encode())
        os.set_blocking(request_w, False)
        poller = select.poll()
        poller.register(request_w, select.POLLOUT)
        for fd in readers:
            poller.register(fd, select.POLLIN)
        sock_fd = sock.fileno()
        poller.register(sock_fd, select.POLLIN)
        done: dict[str, Any] | None = None
        killed_for_output = False
        hard = time.monotonic() + step.timeout + GRACE
        drain_until = 0.0
        open_fds = set(readers) | {request_w}
        while done is None or (open_fds - {request_w} and time.monotonic() < drain_until):
            now = time.monotonic()
            if now > hard:
                raise protocol.ProtocolError("zygote did not report the run")
            wait = (drain_until - now) if done is not None else min(hard - now, 1.0)
            for fd, ev in poller.poll(max(0.0, wait) * 1000):
                if fd == sock_fd:
                    done, extra = protocol.recv(sock)
                    for x in extra:
                        os.close(x)
                    if done.get("id") != ident or not done.get("done"):
                        raise protocol.ProtocolError(str(done.get("error", "answer out of turn")))
                    poller.unregister(fd)
                    drain_until = time.monotonic() + DRAIN_AFTER_EXIT
                elif fd == request_w:
                    finished = bool(ev & (select.POLLERR | select.POLLHUP))
                    if not finished:
                        try:
                            pending = pending[os.write(request_w, pending[:CHUNK]) :]
                        except BlockingIOError:
                            pass
                        except BrokenPipeError:
                            finished = True
                        finished = finished or not pending
                    if finished:
                        poller.unregister(fd)
                        os.close(request_w)
                        fds[0] = -1
                        open_fds.discard(fd)
                else:
                    r = readers[fd]
                    chunk = os.read(fd, CHUNK)
                    if not chunk:
                        poller.unregister(fd)
                        open_fds.discard(fd)
                        continue
                    room = r.cap - len(r.data)
                    r.data += chunk[: max(0, room)]
                    if len(chunk) > room and not r.over:
                        r.over = True
                        if r.cap != STDERR_CAP:
                            killed_for_output = True
                            with contextlib.suppress(OSError):
                                signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        return _outcome(step, done, readers, list(fds[1:-1]), killed_for_output)


def _outcome(step: Step, done: dict[str, Any], readers: dict[int, _Reader], order: list[int], over: bool) -> RunOutcome:
    out, err = readers[order[0]], readers[order[1]]
    stderr = err.data.decode("utf-8", "replace")
    code = int(done["exit"])
    cpu = float(done.get("cpu") or 0.0)
    if over:
        status = "output_limit"
    elif done.get("timeout"):
        status = "timeout"
    elif done.get("disk") or done.get("dirty"):
        status = "disk_limit"
        if done.get("dirty"):
            stderr += "\nsandbox: the run left a scratch area that could not be emptied\n"
    elif done.get("oom"):
        # Any OOM kill in the run's cgroup, even of a child the program did not wait for: a
        # run that forks 16 x 60 MB and prints before the killer reaches it exceeded its limit.
        status = "memory"
    else:
        status = classify(code, stderr, cpu, step.timeout, step.step != "run")
    result = readers[order[2]].data.decode("utf-8", "replace") if step.call else None
    return RunOutcome(
        status=status,
        exit_code=code if code >= 0 else None,
        signal=-code if code < 0 else None,
        stdout=out.data.decode("utf-8", "replace"),
        stderr=stderr,
        result=result,
        wall=float(done.get("wall") or 0.0),
        cpu=cpu,
    )
