"""The local backend: one zygote per slot, each driven from its own worker thread.

The service never forks candidate code itself: each zygote is a fresh bare interpreter with
an environment holding only ``PATH``, so the service's secrets are in no process a
candidate can reach; and the zygote never holds request data (see :mod:`.zygote`). Requests
go to an idle slot; a slot serves one request at a time, which is what lets its zygote kill
every process of the slot's uid after a run. The pipes of a run are read in the slot's
thread (:mod:`.slot`), so no candidate output is handled on the event loop.

Failure model: a zygote that dies, hangs past the request's worst-case duration or answers
garbage raises :class:`SandboxError` for its request and its slot is rebuilt; so is a slot
whose scratch could not be emptied (the run that left it scores ``disk_limit``). Other
slots keep serving; :meth:`describe` says how many are rebuilding. A caller cancelled
mid-request (item deadline) does not desynchronise the slot: the request finishes in the
thread and the slot is released when it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from verifiers.code.languages import LANGUAGES, Language
from verifiers.code.sandbox import memcg
from verifiers.code.sandbox.base import ExecRequest, ExecResult, SandboxError
from verifiers.code.sandbox.slot import Job, Slot, Step

__all__ = ["LocalSandbox", "sandbox_python", "read_paths"]

log = logging.getLogger(__name__)

ZYGOTE = Path(__file__).with_name("zygote.py")
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"
MB = 1 << 20
# What every runtime reads: shared libraries, the loader's cache, time zones, entropy.
# Never /etc as a whole, /usr/local/etc, /usr/share as a whole or a home directory.
BASE_READ = (
    "/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/lib32",
    "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/usr/share/zoneinfo",
    "/dev/urandom", "/dev/random", "/dev/zero",
)
COMPILER_READ = ("/usr/bin", "/usr/include", "/usr/libexec", "/usr/local/include", "/usr/x86_64-linux-gnu", "/etc/alternatives")
NODE_READ = ("/usr/share/nodejs", "/usr/local/lib/node_modules", "/etc/ssl/openssl.cnf")
# memory cgroup head-room over memory_mb: the interpreter itself, pipes, page cache.
MEMCG_EXTRA_MB = 64


def _world_usable(path: str) -> bool:
    """True when an unprivileged uid can reach and run ``path`` (every parent o+x)."""
    real = os.path.realpath(path)
    if not os.path.exists(real):
        return False
    if any(not (p.stat().st_mode & stat.S_IXOTH) for p in Path(real).parents):
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


def _tool_dirs(path: str | None) -> list[str]:
    """A tool and the prefix it was installed under (``bin/`` and ``lib/`` beside it)."""
    if not path:
        return []
    real = Path(path).resolve()
    prefix = real.parent.parent
    return [str(real), str(prefix / "lib"), *([str(prefix / "include")] if (prefix / "include").is_dir() else [])]


def read_paths(python: str) -> dict[str, list[str]]:
    """Per runtime, the only paths its children may read (Landlock rulesets)."""
    base = list(BASE_READ)
    node = shutil.which("node", path=SANDBOX_PATH)
    return {
        "python": base + _tool_dirs(python),
        "compile": base + list(COMPILER_READ),
        "binary": base,
        "node": base + _tool_dirs(node) + list(NODE_READ),
    }


def _which(name: str) -> str:
    found = shutil.which(name, path=SANDBOX_PATH)
    if not found:
        raise SandboxError(f"{name} is not installed for the sandbox")
    return found


def _argv(args: tuple[str, ...], memory_mb: int) -> tuple[str, ...]:
    out = []
    for a in args:
        if a.startswith("{which:"):
            a = _which(a[len("{which:") : -1])
        out.append(a.replace("{mem}", str(memory_mb)))
    return tuple(out)


def _ruleset(lang: Language, step: str) -> str:
    if step != "run":
        return "compile" if lang.compile_argv else "binary"
    if lang.kind == "python":
        return "python"
    return "node" if any("node" in a for a in lang.run_argv) else "binary"


class LocalSandbox:
    """Pre-forked zygotes on this machine. ``slots`` runs at a time.

    ``namespaces``/``landlock``/``seccomp``/``memcg`` switch layers off (e.g. to test the
    fallbacks a default Docker container gets); each is used only when the kernel provides
    it, and :meth:`describe` reports what is actually active.
    """

    def __init__(
        self,
        slots: int = 2,
        *,
        python: str | None = None,
        base_uid: int = 61000,
        scratch_mb: int = 256,
        tmp_mb: int = 64,
        file_mb: int = 64,
        nproc: int = 64,
        namespaces: bool = True,
        landlock: bool = True,
        seccomp: bool = True,
        memcg: bool = True,
        root: str | None = None,
    ) -> None:
        self.parallelism = max(1, int(slots))
        self._python_pref = python
        self._base_uid = base_uid
        self._opts = {
            "scratch_mb": scratch_mb, "tmp_mb": tmp_mb, "file_mb": file_mb, "nproc": nproc,
            "namespaces": namespaces, "landlock": landlock, "seccomp": seccomp, "memcg": memcg,
        }
        self._root_parent = root
        self._root = ""
        self._python = ""
        self._idle: asyncio.Queue[int] = asyncio.Queue()
        self._slots: dict[int, Slot] = {}
        self._generation = 0
        self._rebuilding = 0
        self._layers: dict[str, Any] = {}
        self._started = False
        self._threads = ThreadPoolExecutor(max_workers=self.parallelism, thread_name_prefix="sandbox-slot")

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        if self._started:
            return
        self._python = sandbox_python(self._python_pref)
        # Not under /tmp by default: each run gets its own tmpfs over /tmp, which would hide it.
        parent = self._root_parent or ("/run" if os.geteuid() == 0 and os.access("/run", os.W_OK) else None)
        self._root = tempfile.mkdtemp(prefix="reward-sandbox-", dir=parent)
        os.chmod(self._root, 0o711)
        _protect_service()
        loop = asyncio.get_running_loop()
        try:
            for index in range(self.parallelism):
                self._slots[index] = self._new_slot(index)
            await asyncio.gather(*(loop.run_in_executor(self._threads, s.spawn) for s in self._slots.values()))
        except BaseException:
            await self.close()
            raise
        for index in self._slots:
            self._idle.put_nowait(index)
        self._layers = dict(self._slots[0].layers)
        self._started = True
        log.info("code sandbox: %s", json.dumps(self.describe(), sort_keys=True))

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        for slot in list(self._slots.values()):
            await loop.run_in_executor(None, self._retire, slot, False)
        if self._root:
            shutil.rmtree(self._root, ignore_errors=True)
        self._started = False

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "local",
            "slots": self.parallelism,
            "rebuilding": self._rebuilding,
            "python": self._python,
            "layers": self._layers,
        }

    def leftovers(self) -> list[str]:
        """Files left in any slot's scratch area, seen from inside each zygote's mount
        namespace (its tmpfs is invisible from here). Empty between requests."""
        found: list[str] = []
        for slot in self._slots.values():
            base = slot.config["root"]
            pid = slot.proc.pid if slot.proc is not None and slot.proc.poll() is None else None
            view = f"/proc/{pid}/root{base}" if pid else base
            with contextlib.suppress(OSError):
                found += [os.path.join(base, name) for name in os.listdir(view)]
        return found

    def _uid(self, index: int) -> int | None:
        return self._base_uid + index if os.geteuid() == 0 else None

    def _new_slot(self, index: int) -> Slot:
        self._generation += 1
        config = {
            **self._opts,
            "slot": index,
            "uid": self._uid(index),
            "root": os.path.join(self._root, f"slot{index}-{self._generation}"),
            "read_paths": read_paths(self._python),
        }
        return Slot(index, self._python, str(ZYGOTE), config, {"PATH": SANDBOX_PATH})

    def _retire(self, slot: Slot, rebuild: bool) -> None:
        """Kill a slot's zygote and everything of its uid; with ``rebuild``, replace it by a
        fresh slot (new scratch) and remove the old scratch in the background."""
        slot.kill()
        uid = self._uid(slot.index)
        if uid is not None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(
                    ["kill", "-KILL", "-1"], user=uid, group=uid, extra_groups=[], env={"PATH": SANDBOX_PATH},
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=5, check=False,
                )
        path = slot.layers.get("memcg")
        if path:
            for _ in range(50):
                if memcg.remove(path):
                    break
                threading.Event().wait(0.02)
        old_root = slot.config["root"]
        threading.Thread(target=_remove_root, args=(old_root,), daemon=True).start()
        if rebuild:
            fresh = self._new_slot(slot.index)
            self._slots[slot.index] = fresh
            fresh.spawn()

    # --- execution ---------------------------------------------------------------------

    async def execute(self, request: ExecRequest) -> ExecResult:
        if not self._started:
            raise SandboxError("local sandbox not started")
        job = self._job(request)
        index = await self._idle.get()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, self._run, index, job)
        # A cancelled caller leaves the run going; the slot comes back when it ends.
        future.add_done_callback(lambda f: (self._idle.put_nowait(index), f.cancelled() or f.exception()))
        return await asyncio.shield(future)

    def _run(self, index: int, job: Job) -> ExecResult:
        """In the slot's thread: rebuild the slot if it needs it, then run the job."""
        slot = self._slots[index]
        if not slot.alive:
            self._rebuilding += 1
            try:
                self._retire(slot, rebuild=True)
            finally:
                self._rebuilding -= 1
            slot = self._slots[index]
        try:
            return slot.execute(job)
        finally:
            if slot.needs_rebuild or not slot.alive:
                self._rebuilding += 1
                try:
                    self._retire(slot, rebuild=True)
                except SandboxError:
                    log.warning("code sandbox: slot %d could not be rebuilt yet", index)
                finally:
                    self._rebuilding -= 1

    def _job(self, request: ExecRequest) -> Job:
        lang = LANGUAGES.get(request.language)
        if lang is None:
            raise SandboxError(f"language {request.language!r} not supported by the local sandbox")
        call = request.mode == "call"
        file_mb, nproc = int(self._opts["file_mb"]), int(self._opts["nproc"])

        def step(kind: str, argv: tuple[str, ...], data: dict[str, Any], run_call: bool = False) -> Step:
            compile_step = kind != "run"
            mem = max(lang.compile_memory_mb, request.memory_mb) if compile_step else request.memory_mb
            timeout = request.compile_timeout if compile_step else request.timeout
            limits = {
                "as": (mem + lang.as_extra_mb) * MB, "cpu": int(timeout) + 1, "fsize": file_mb * MB,
                "nofile": 256, "nproc": nproc,
            }
            if lang.kind == "exec" and not compile_step:
                limits["stack"] = min(mem, lang.stack_cap_mb) * MB
            extra = MEMCG_EXTRA_MB + min(lang.as_extra_mb, 128)
            return Step(
                step=kind, argv=argv, limits=limits, memcg_bytes=(mem + extra) * MB, timeout=float(timeout),
                ruleset=_ruleset(lang, kind), request=data, call=run_call, output_limit=request.output_limit,
            )

        prepare = None
        if lang.kind == "exec":
            files = {lang.filename: request.source}
            if lang.compile_argv:
                prepare = step("compile", _argv(lang.compile_argv, request.memory_mb), {"files": files})
            else:
                prepare = step("stage", (), {"files": files})
        runs = []
        for r in request.runs:
            if lang.kind == "python":
                data = {"source": request.source, "stdin": r.stdin}
                if call:
                    data.update({"fn": request.fn, "args": r.args})
                runs.append(step("run", (), data, run_call=call))
            else:
                runs.append(step("run", _argv(lang.run_argv, request.memory_mb), {"stdin": r.stdin}))
        return Job(prepare=prepare, runs=tuple(runs), stop_on_error=request.stop_on_error, compiled=bool(lang.compile_argv))


def _remove_root(path: str) -> None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], timeout=600, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _protect_service() -> None:
    """Make the service (and processes it forks later) an unlikely OOM victim: candidates
    run at ``oom_score_adj`` 1000, so under pressure the kernel picks them first."""
    with contextlib.suppress(OSError):
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-800" if os.geteuid() == 0 else "0")
