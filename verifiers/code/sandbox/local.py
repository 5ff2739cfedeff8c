"""The local backend: one zygote per slot, driven from the service's event loop.

The service never forks candidate code itself: :meth:`LocalSandbox.start` spawns each
zygote as a fresh bare interpreter with an environment holding only ``PATH``, so the
service's secrets are not in any process the candidate can reach. Requests go to an idle
slot; a slot serves one request at a time, which is what lets the zygote kill every
process of the slot's uid after a run.

Failure model: a zygote that dies, hangs past the request's worst-case duration or answers
garbage raises :class:`SandboxError` for its request and is replaced; other slots keep
serving. A caller cancelled mid-request (item deadline) does not desynchronise the slot:
the exchange runs in its own task and the slot is released when the answer arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from verifiers.code.languages import LANGUAGES
from verifiers.code.sandbox.base import ExecRequest, ExecResult, RunOutcome, SandboxError

__all__ = ["LocalSandbox", "sandbox_python"]

log = logging.getLogger(__name__)

ZYGOTE = Path(__file__).with_name("zygote.py")
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
RUNTIME_READ_PATHS = (
    "/usr",
    "/lib",
    "/lib64",
    "/lib32",
    "/bin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/ssl/openssl.cnf",
    "/dev/urandom",
    "/dev/random",
    "/dev/zero",
)


def _world_usable(path: str) -> bool:
    """True when an unprivileged uid can reach and run ``path`` (every parent o+x)."""
    real = os.path.realpath(path)
    if not os.path.exists(real):
        return False
    parts = Path(real).parents
    if any(not (p.stat().st_mode & stat.S_IXOTH) for p in parts):
        return False
    return bool(os.stat(real).st_mode & stat.S_IXOTH)


def sandbox_python(preferred: str | None = None) -> str:
    """The interpreter for zygotes: one the unprivileged slot uids can read.

    The service's own interpreter may live under ``/root`` (pyenv), unreadable after
    ``setuid``: then imports not preloaded by the zygote would fail in every child.
    """
    candidates = [preferred] if preferred else [sys.executable, "/usr/local/bin/python3", "/usr/bin/python3"]
    if os.geteuid() != 0:
        return candidates[0] or sys.executable
    for c in candidates:
        if c and _world_usable(c):
            return os.path.realpath(c)
    raise SandboxError("no python interpreter readable by an unprivileged uid")


class _Zygote:
    def __init__(self, proc: asyncio.subprocess.Process, hello: dict[str, Any]) -> None:
        self.proc = proc
        self.layers: dict[str, Any] = hello.get("layers", {})
        self.broken = False

    async def exchange(self, payload: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        data = json.dumps(payload, separators=(",", ":")).encode()
        self.proc.stdin.write(struct.pack(">I", len(data)) + data)
        await self.proc.stdin.drain()
        (n,) = struct.unpack(">I", await self.proc.stdout.readexactly(4))
        return json.loads(await self.proc.stdout.readexactly(n))

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.proc.wait(), 5)


class LocalSandbox:
    """Pre-forked zygotes on this machine. ``slots`` runs at a time.

    ``namespaces``/``landlock``/``seccomp`` switch layers off (e.g. to test the fallbacks a
    default Docker container gets); each is used only when the kernel provides it, and
    :meth:`describe` reports what is actually active.
    """

    def __init__(
        self,
        slots: int = 2,
        *,
        python: str | None = None,
        base_uid: int = 61000,
        scratch_mb: int = 256,
        file_mb: int = 64,
        nproc: int = 64,
        namespaces: bool = True,
        landlock: bool = True,
        seccomp: bool = True,
        root: str | None = None,
    ) -> None:
        self.parallelism = max(1, int(slots))
        self._python_pref = python
        self._base_uid = base_uid
        self._opts = {
            "scratch_mb": scratch_mb,
            "file_mb": file_mb,
            "nproc": nproc,
            "namespaces": namespaces,
            "landlock": landlock,
            "seccomp": seccomp,
        }
        self._root_parent = root
        self._root = ""
        self._python = ""
        self._idle: asyncio.Queue[int] = asyncio.Queue()
        self._zygotes: dict[int, _Zygote | None] = {}
        self._ids = itertools.count(1)
        self._layers: dict[str, Any] = {}
        self._started = False
        self._restart_lock = asyncio.Lock()

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._python = sandbox_python(self._python_pref)
        self._root = tempfile.mkdtemp(prefix="reward-sandbox-", dir=self._root_parent)
        os.chmod(self._root, 0o711)
        try:
            for slot in range(self.parallelism):
                self._zygotes[slot] = await self._spawn(slot)
                self._idle.put_nowait(slot)
        except BaseException:
            await self.close()
            raise
        z0 = self._zygotes[0]
        self._layers = dict(z0.layers) if z0 else {}
        self._started = True
        log.info("code sandbox: %s", json.dumps(self.describe(), sort_keys=True))

    async def close(self) -> None:
        for slot, z in list(self._zygotes.items()):
            if z is not None:
                await z.kill()
            self._sweep(slot)
            self._zygotes[slot] = None
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)
        self._started = False

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "slots": self.parallelism,
            "python": self._python,
            "layers": self._layers,
        }

    def leftovers(self) -> list[str]:
        """Files left in any slot's scratch area, seen from inside each zygote's mount
        namespace (its tmpfs is invisible from here). Empty between requests."""
        found: list[str] = []
        for slot, z in self._zygotes.items():
            base = os.path.join(self._root, f"slot{slot}")
            view = f"/proc/{z.proc.pid}/root{base}" if z is not None and z.proc.returncode is None else base
            with contextlib.suppress(OSError):
                found += [os.path.join(base, name) for name in os.listdir(view)]
        return found

    def _uid(self, slot: int) -> int | None:
        return self._base_uid + slot if os.geteuid() == 0 else None

    def _config(self, slot: int) -> dict[str, Any]:
        prefix = str(Path(self._python).resolve().parents[1])
        read_paths = list(RUNTIME_READ_PATHS)
        if not prefix.startswith("/usr"):
            read_paths.append(prefix)
        return {
            **self._opts,
            "slot": slot,
            "uid": self._uid(slot),
            "root": os.path.join(self._root, f"slot{slot}"),
            "read_paths": read_paths,
        }

    async def _spawn(self, slot: int) -> _Zygote:
        self._sweep(slot)
        config = json.dumps(self._config(slot))
        proc = await asyncio.create_subprocess_exec(
            self._python,
            "-I",
            "-B",
            str(ZYGOTE),
            config,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={"PATH": SANDBOX_PATH},  # never the service's environment
            cwd="/",
            start_new_session=True,
        )
        try:
            assert proc.stdout is not None
            (n,) = struct.unpack(">I", await asyncio.wait_for(proc.stdout.readexactly(4), 30))
            hello = json.loads(await proc.stdout.readexactly(n))
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as e:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            raise SandboxError(f"zygote for slot {slot} did not start: {type(e).__name__}") from None
        return _Zygote(proc, hello)

    def _sweep(self, slot: int) -> None:
        """Kill every process of the slot uid (what a dead zygote may have left behind)."""
        uid = self._uid(slot)
        if uid is None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["kill", "-KILL", "-1"], user=uid, group=uid, extra_groups=[], env={"PATH": SANDBOX_PATH},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5, check=False,
            )

    # --- execution ---------------------------------------------------------------------

    async def execute(self, request: ExecRequest) -> ExecResult:
        if not self._started:
            raise SandboxError("local sandbox not started")
        lang = LANGUAGES.get(request.language)
        if lang is None:
            raise SandboxError(f"language {request.language!r} not supported by the local sandbox")
        payload = {
            "kind": lang.kind,
            "source": request.source,
            "filename": lang.filename,
            "compile_argv": list(lang.compile_argv),
            "run_argv": [a.replace("{mem}", str(request.memory_mb)) for a in lang.run_argv],
            "mode": request.mode,
            "fn": request.fn,
            "runs": [{"stdin": r.stdin, "args": r.args} for r in request.runs],
            "timeout": request.timeout,
            "compile_timeout": request.compile_timeout,
            "memory_mb": request.memory_mb,
            "compile_memory_mb": max(lang.compile_memory_mb, request.memory_mb),
            "as_extra_mb": lang.as_extra_mb,
            "output_limit": request.output_limit,
            "stop_on_error": request.stop_on_error,
        }
        worst = (
            (request.compile_timeout if lang.compile_argv else 0)
            + len(request.runs) * (request.timeout + 3.0)
            + 10.0
        )
        slot = await self._idle.get()
        task = asyncio.ensure_future(self._exchange(slot, payload, worst))
        # A cancelled caller leaves the task running; its outcome is then nobody's to read.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return await asyncio.shield(task)

    async def _exchange(self, slot: int, payload: dict[str, Any], worst: float) -> ExecResult:
        """One request on one slot; always gives the slot back (replaced if it broke)."""
        try:
            z = self._zygotes.get(slot)
            if z is None or z.proc.returncode is not None:
                z = self._zygotes[slot] = await self._spawn(slot)
            payload["id"] = next(self._ids)
            try:
                resp = await asyncio.wait_for(z.exchange(payload), worst)
            except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError, ValueError) as e:
                z.broken = True
                raise SandboxError(f"executor failed: {type(e).__name__}") from None
            if resp.get("id") != payload["id"]:
                z.broken = True
                raise SandboxError("executor answered out of turn")
            if "error" in resp:
                raise SandboxError(f"executor error: {resp['error']}")
            comp = resp.get("compile")
            return ExecResult(
                runs=tuple(RunOutcome.from_dict(r) for r in resp.get("runs", [])),
                compile=RunOutcome.from_dict(comp) if comp else None,
                meta={"slot": slot},
            )
        finally:
            z = self._zygotes.get(slot)
            if z is not None and (z.broken or z.proc.returncode is not None):
                await z.kill()
                self._zygotes[slot] = None  # respawned on next use
            self._idle.put_nowait(slot)
