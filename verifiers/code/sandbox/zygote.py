"""The zygote: a warm, pre-forked executor that forks one confined child per test run.

Run as a script by :mod:`verifiers.code.sandbox.local` with a bare interpreter
(``python3 -I -B zygote.py CONFIG_JSON``) and an environment that holds only ``PATH``: the
service's secrets never exist in this process, so no child can read them, not even from
``/proc/self/environ``. One zygote serves one slot, one request at a time, with its own
unprivileged uid; that is what makes "kill every process of this uid" a safe clean-up.

Why fork instead of spawning ``python3`` per test: a fork of a warm interpreter that
already imported the common modules costs ~1 ms, a fresh interpreter ~8 ms of CPU; with
the many tiny tests of LeetCode/TACO-style data the start-up is most of the cost.

Protocol on stdin/stdout: frames of a 4-byte big-endian length and UTF-8 JSON. The first
frame written is ``{"ready": true, "layers": {...}}``; then one response per request (see
:func:`_handle`). The zygote never judges anything: expected outputs never reach it.

Each child: own session and process group; rlimits (address space, CPU, file size, open
files, processes, core dumps); setuid to the slot uid when running as root; Landlock
(only the runtime readable, only the slot's scratch writable, no TCP, no signals out);
seccomp (no sockets, no namespaces, no ``setsid`` - so a ``killpg`` reaches daemons); a
fresh scratch directory removed afterwards. The zygote itself, when the kernel lets it,
sits in an empty network namespace with its scratch on a size-limited tmpfs.
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import select
import shutil
import signal
import struct
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import confine
import plaindata

del sys.path[0]

PRELOAD = (
    "array bisect collections copy datetime decimal fractions functools heapq io itertools json "
    "math operator random re statistics string threading typing dataclasses enum queue "
    "collections.abc string itertools tempfile traceback"
)
for _name in PRELOAD.split():
    try:
        __import__(_name)
    except ImportError:
        pass

SYNTAX_EXIT = 98
NO_RESULT_EXIT = 97
MB = 1024 * 1024
STDERR_CAP = 8 * 1024
POLL_SLICE = 0.05
# The lines prepended to call-based candidates, as LeetCode's judge has them in scope.
CALL_HEADER = (
    "from typing import *\nfrom collections import *\nfrom itertools import *\n"
    "from functools import *\nfrom heapq import *\nfrom bisect import *\n"
    "import math, heapq, bisect, collections, itertools, functools, string, re, sys\n"
)

CONFIG: dict[str, Any] = {}
LAYERS: dict[str, Any] = {}
RULESET_FD = -1


# --- framing ---------------------------------------------------------------------------------


def _read_exact(n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = os.read(0, n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _recv() -> dict[str, Any]:
    (n,) = struct.unpack(">I", _read_exact(4))
    return json.loads(_read_exact(n))


def _send(obj: dict[str, Any]) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode()
    view = memoryview(struct.pack(">I", len(data)) + data)
    while view:
        view = view[os.write(1, view) :]


# --- child side --------------------------------------------------------------------------------


def _confine_child(run_dir: str, fds: list[int], limits: dict[str, int]) -> None:
    """Everything a child does before running candidate code. Never returns on failure."""
    os.setsid()
    # Lift every fd we keep above the targets first, so no dup2 clobbers a later source.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 500) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=True)
    keep = len(fds)
    ruleset = -1
    if LAYERS.get("landlock"):
        ruleset = os.dup2(RULESET_FD, keep, inheritable=False)
        keep += 1
    os.closerange(keep, 1 << 16)
    for sig in (signal.SIGPIPE, signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(run_dir)
    setr = resource.setrlimit
    setr(resource.RLIMIT_CORE, (0, 0))
    setr(resource.RLIMIT_AS, (limits["as"], limits["as"]))
    setr(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    setr(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))
    setr(resource.RLIMIT_NOFILE, (limits["nofile"], limits["nofile"]))
    if "stack" in limits:
        setr(resource.RLIMIT_STACK, (limits["stack"], limits["stack"]))
    uid = CONFIG.get("uid")
    if uid is not None:
        setr(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    confine.no_new_privs()
    if ruleset >= 0:
        confine.landlock_restrict(ruleset)
        os.close(ruleset)
    if LAYERS.get("seccomp"):
        confine.seccomp_filter()
    os.environ.clear()
    os.environ.update(
        {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": run_dir, "TMPDIR": run_dir, "LANG": "C.UTF-8"}
    )


def _child_python(req: dict[str, Any], run: dict[str, Any]) -> None:
    """Run the candidate in this (forked, confined) interpreter, then ``os._exit``."""
    import io
    import tempfile
    import types

    tempfile.tempdir = None
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="replace"
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="replace"
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.argv = ["solution.py"]
    call = req["mode"] == "call"
    source = (CALL_HEADER + req["source"]) if call else req["source"]
    code = 0
    try:
        try:
            compiled = compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
            sys.stderr.write(f"SyntaxError: {e}\n")
            sys.stderr.flush()
            os._exit(SYNTAX_EXIT)
        module = types.ModuleType("solution" if call else "__main__")
        module.__file__ = "solution.py"
        sys.modules[module.__name__] = module
        exec(compiled, module.__dict__)
        if call:
            code = _call_entry(module.__dict__, req["fn"], run["args"])
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException as e:
        # Skip our own frame: the candidate's traceback starts at its code.
        tb = e.__traceback__.tb_next if e.__traceback__ is not None else None
        traceback.print_exception(type(e), e, tb)
        code = 1
    try:
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  # join non-daemon threads, as python does
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            code = code or 1
    os._exit(code & 0xFF)


def _call_entry(namespace: dict[str, Any], fn: str, args_json: str) -> int:
    """Call the entry point with decoded args; write the encoded result to fd 3."""
    target = namespace.get(fn)
    if not callable(target):
        cls = namespace.get("Solution")
        if cls is None or not hasattr(cls, fn):
            sys.stderr.write(f"NameError: no function or Solution method named {fn!r}\n")
            return NO_RESULT_EXIT
        target = getattr(cls(), fn)
    args, kwargs = plaindata.loads(args_json)
    value = target(*args, **kwargs)
    out = plaindata.dumps(value).encode()
    sys.stdout.flush()
    view = memoryview(out + b"\n")
    while view:
        view = view[os.write(3, view) :]
    return 0


# --- parent side --------------------------------------------------------------------------------


def _stdin_fd(text: str) -> int:
    fd = os.memfd_create("stdin", os.MFD_CLOEXEC)
    data = memoryview(text.encode("utf-8", "surrogateescape"))
    while data:
        data = data[os.write(fd, data) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _new_dir(path: str) -> str:
    os.mkdir(path, 0o700)
    uid = CONFIG.get("uid")
    if uid is not None:
        os.chown(path, uid, uid)
    return path


def _remove_dir(path: str) -> None:
    try:
        os.rmdir(path)  # the common case: the run wrote nothing
        return
    except OSError:
        pass
    shutil.rmtree(path, ignore_errors=True)
    if os.path.lexists(path):  # e.g. nesting deeper than rmtree's recursion
        os.spawnvp(os.P_WAIT, "rm", ["rm", "-rf", "--one-file-system", path])


def _reap_strays() -> None:
    """Kill whatever of this slot's processes outlived the run, and reap it.

    The zygote is a child subreaper, so orphaned descendants become its children: if none
    are left after the run's process group was killed, nothing escaped and this costs one
    ``waitpid``. Otherwise, kill every process of the slot uid from a helper running as that
    uid (``kill(-1)`` then never reaches anything else).
    """
    deadline = time.monotonic() + 2.0
    swept = False
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if time.monotonic() > deadline:
            return
        uid = CONFIG.get("uid")
        if uid is not None and not swept:
            helper = os.fork()
            if helper == 0:
                try:
                    os.setresgid(uid, uid, uid)
                    os.setresuid(uid, uid, uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            swept = True
        time.sleep(0.002)


def _limits(req: dict[str, Any], compile_step: bool) -> dict[str, int]:
    timeout = req["compile_timeout"] if compile_step else req["timeout"]
    mem = req["compile_memory_mb"] if compile_step else req["memory_mb"]
    lim = {
        "as": (mem + req.get("as_extra_mb", 0)) * MB,
        "cpu": int(timeout) + 1,
        "fsize": CONFIG["file_mb"] * MB,
        "nofile": 256,
        "nproc": CONFIG["nproc"],
    }
    if req["kind"] == "exec":
        lim["stack"] = min(mem, 256) * MB
    return lim


def _run_one(req: dict[str, Any], run: dict[str, Any], run_dir: str, argv: list[str] | None) -> dict[str, Any]:
    """Fork one confined child, feed it, watch it, kill its whole tree, report what it did."""
    compile_step = run.get("compile", False)
    limits = _limits(req, compile_step)
    timeout = float(req["compile_timeout"] if compile_step else req["timeout"])
    out_cap = int(req["output_limit"])
    call = req["mode"] == "call" and not compile_step and argv is None
    stdin = _stdin_fd(run.get("stdin", ""))
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe() if call else (-1, -1)
    fds = [stdin, out_w, err_w] + ([res_w] if call else [])
    disk_before = _disk_free() if LAYERS.get("disk_watch") else 0
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _confine_child(run_dir, fds, limits)
            if argv is None:
                _child_python(req, run)
            else:
                os.execve(argv[0], argv, dict(os.environ))
        except BaseException as e:
            try:
                os.write(2, f"sandbox: {type(e).__name__}: {e}\n{traceback.format_exc()}".encode())
            finally:
                os._exit(127)
        os._exit(127)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    bufs: dict[int, bytearray] = {out_r: bytearray(), err_r: bytearray()}
    if call:
        bufs[res_r] = bytearray()
    caps = {out_r: out_cap, err_r: STDERR_CAP, res_r: out_cap}
    poller = select.poll()
    for fd in (*bufs, pidfd):
        poller.register(fd, select.POLLIN)
    open_fds = set(bufs)
    verdict = ""
    exited = False
    exit_drain = 0.0  # set when the child exits: how long to wait for its pipes
    deadline = start + timeout
    while not exited or open_fds:
        now = time.monotonic()
        if exited:
            wait = max(0.0, min(exit_drain - now, POLL_SLICE))
            if now >= exit_drain:
                break
        elif now >= deadline:
            verdict = "timeout"
            break
        else:
            wait = min(deadline - now, POLL_SLICE)
        for fd, _ in poller.poll(wait * 1000):
            if fd == pidfd:
                exited = True
                poller.unregister(pidfd)
                # Daemons of the run die with its group; pipes then reach EOF at once.
                _killpg(pid)
                exit_drain = time.monotonic() + 0.2
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                poller.unregister(fd)
                open_fds.discard(fd)
                continue
            buf = bufs[fd]
            if len(buf) + len(chunk) > caps[fd]:
                buf += chunk[: max(0, caps[fd] - len(buf))]
                if fd != err_r:
                    verdict = "output_limit"
            else:
                buf += chunk
        if verdict:
            break
        if disk_before:
            free = _disk_free()
            if disk_before - free > CONFIG["scratch_mb"] * MB:
                # The filesystem is shared (other slots, the host): attribute before killing.
                used = _dir_usage(CONFIG["root"])
                if used is None or used > CONFIG["scratch_mb"] * MB:
                    verdict = "disk_limit"
                    break
                disk_before = free + used
    wall = time.monotonic() - start
    _killpg(pid)
    _, status, usage = os.wait4(pid, 0)
    os.close(pidfd)
    for fd in bufs:
        os.close(fd)
    _reap_strays()
    cpu = usage.ru_utime + usage.ru_stime
    code = os.waitstatus_to_exitcode(status)
    stderr = bufs[err_r].decode("utf-8", "replace")
    if not verdict:
        verdict = _classify(code, stderr, cpu, timeout, compile_step)
    return {
        "status": verdict,
        "exit_code": code if code >= 0 else None,
        "signal": -code if code < 0 else None,
        "stdout": bufs[out_r].decode("utf-8", "replace"),
        "stderr": stderr,
        "result": bufs[res_r].decode("utf-8", "replace") if call else None,
        "wall": round(wall, 4),
        "cpu": round(cpu, 4),
    }


def _killpg(pid: int) -> None:
    for target in (-pid, pid):  # the group; the child itself if it had no time to setsid
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _classify(code: int, stderr: str, cpu: float, timeout: float, compile_step: bool) -> str:
    if code == 0:
        return "ok"
    if compile_step:
        return "compile_error"
    if code in (-signal.SIGXCPU,) or (code == -signal.SIGKILL and cpu >= int(timeout) + 1):
        return "timeout"
    if code == -signal.SIGXFSZ:
        return "file_limit"
    if code == SYNTAX_EXIT and "SyntaxError" in stderr:
        return "compile_error"
    tail = stderr[-400:]
    if "MemoryError" in tail or "bad_alloc" in tail or "out of memory" in tail.lower():
        return "memory"
    return "runtime_error"


def _dir_usage(path: str, max_entries: int = 20000) -> int | None:
    """Bytes allocated under ``path``; None past ``max_entries`` (a flood of files)."""
    total, seen, stack = 0, 0, [path]
    while stack:
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > max_entries:
                return None
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += st.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
    return total


def _disk_free() -> int:
    st = os.statvfs(CONFIG["root"])
    return st.f_bavail * st.f_frsize


def _handle(req: dict[str, Any]) -> dict[str, Any]:
    """Run one request: an optional compile step, then each run in a fresh child."""
    root = CONFIG["root"]
    ident = int(req["id"])
    build = _new_dir(os.path.join(root, f"build-{ident}"))
    try:
        argv = None
        compile_out = None
        if req["kind"] == "exec":
            path = os.path.join(build, req["filename"])
            with open(path, "w", encoding="utf-8") as f:
                f.write(req["source"])
            uid = CONFIG.get("uid")
            if uid is not None:
                os.chown(path, uid, uid)
            if req.get("compile_argv"):
                cargv = [_resolve(a, build) for a in req["compile_argv"]]
                compile_out = _run_one(req, {"compile": True}, build, cargv)
                if compile_out["status"] != "ok":
                    return {"id": ident, "compile": compile_out, "runs": []}
            argv = [_resolve(a, build) for a in req["run_argv"]]
        runs = []
        for i, run in enumerate(req["runs"]):
            run_dir = _new_dir(os.path.join(root, f"run-{ident}-{i}"))
            try:
                out = _run_one(req, run, run_dir, argv)
            finally:
                _remove_dir(run_dir)
            runs.append(out)
            if req.get("stop_on_error") and out["status"] != "ok":
                break
        return {"id": ident, "compile": compile_out, "runs": runs}
    finally:
        _remove_dir(build)


def _resolve(arg: str, build: str) -> str:
    arg = arg.replace("{build}", build)
    if arg.startswith("{which:"):
        name = arg[len("{which:") : -1]
        found = shutil.which(name, path="/usr/local/bin:/usr/bin:/bin")
        if not found:
            raise FileNotFoundError(name)
        return found
    return arg


# --- start-up --------------------------------------------------------------------------------


def _probe(fn: Any) -> bool:
    """Run ``fn`` in a throw-away child: True when it exits 0 (the layer works here)."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if fn() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _probe_seccomp() -> bool:
    import socket

    confine.no_new_privs()
    confine.seccomp_filter()
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return True
    return False


def _probe_landlock() -> bool:
    confine.no_new_privs()
    confine.landlock_restrict(RULESET_FD)
    try:
        open("/proc/self/status").close()
    except PermissionError:
        pass
    else:
        return False
    os.listdir(CONFIG["root"])
    return True


def _start() -> None:
    global RULESET_FD
    CONFIG.update(json.loads(sys.argv[1]))
    root = CONFIG["root"]
    os.makedirs(root, mode=0o711, exist_ok=True)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    LAYERS["uid"] = CONFIG.get("uid")
    LAYERS["rlimits"] = ["as", "cpu", "fsize", "nofile", "core"] + (["nproc"] if CONFIG.get("uid") else [])
    LAYERS["netns"] = False
    LAYERS["tmpfs_scratch"] = False
    if CONFIG.get("namespaces"):
        try:
            confine.unshare_net_and_mount()
            LAYERS["netns"] = True
            confine.mount_tmpfs(root, CONFIG["scratch_mb"])
            LAYERS["tmpfs_scratch"] = True
        except OSError as e:
            LAYERS["namespaces_error"] = str(e)
    LAYERS["disk_watch"] = not LAYERS["tmpfs_scratch"]
    LAYERS["seccomp"] = bool(CONFIG.get("seccomp")) and confine.seccomp_available() and _probe(_probe_seccomp)
    abi = confine.landlock_abi() if CONFIG.get("landlock") else 0
    LAYERS["landlock"] = False
    if abi:
        try:
            fd = confine.landlock_ruleset(CONFIG["read_paths"], [root, "/dev/null"], abi)
            RULESET_FD = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 400)  # clear of the child's fds
            os.close(fd)
            LAYERS["landlock"] = _probe(_probe_landlock)
            LAYERS["landlock_abi"] = abi
        except OSError as e:
            LAYERS["landlock_error"] = str(e)


def main() -> None:
    _start()
    # Everything alive now is shared with every child: keep the collector off those pages
    # so children do not copy them on their first collection.
    import gc

    gc.collect()
    gc.freeze()
    _send({"ready": True, "layers": LAYERS, "pid": os.getpid()})
    while True:
        try:
            req = _recv()
        except EOFError:
            break
        try:
            resp = _handle(req)
        except Exception as e:  # a zygote bug or resource exhaustion: say so, keep serving
            resp = {"id": req.get("id"), "error": f"{type(e).__name__}: {e}"}
        _send(resp)
    shutil.rmtree(CONFIG["root"], ignore_errors=True)


if __name__ == "__main__":
    main()
