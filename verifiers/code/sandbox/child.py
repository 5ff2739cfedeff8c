"""One sandboxed run, from just after the zygote's ``fork`` to ``exec`` or ``os._exit``.

Why the request is read here and not in the zygote: the zygote's memory is inherited by
every child it forks, freed pages included, so anything it ever held (another rollout's
program, input, output) would be readable by the next candidate through ``sys._getframe``,
``gc`` or ``ctypes``. The child reads *its own* program and input from a pipe the service
writes after the fork, and writes its output to pipes the service reads; the zygote only
ever sees limits and exit statuses.

Order matters: everything that needs root (joining the run's memory cgroup, private mount
and IPC namespaces, tmpfs mounts, ``oom_score_adj``) happens before ``setuid``; Landlock and
seccomp come last, after the last syscall they would deny.

Stdlib-only: the zygote imports this file by path.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import resource
import signal
import sys
import traceback
import types
from typing import Any

import confine
import memcg
import plaindata

SYNTAX_EXIT = 98
NO_RESULT_EXIT = 97
SETUP_EXIT = 127
MAX_REQUEST = 1 << 28
# The lines prepended to call-based candidates, as LeetCode's judge has them in scope.
CALL_HEADER = (
    "from typing import *\nfrom collections import *\nfrom itertools import *\n"
    "from functools import *\nfrom heapq import *\nfrom bisect import *\n"
    "import math, heapq, bisect, collections, itertools, functools, string, re, sys\n"
)


def main(spec: dict[str, Any], fds: dict[str, int], close: list[int], config: dict[str, Any], ruleset_fd: int) -> None:
    """Confine this process per ``spec`` and run it; never returns. ``close``: the zygote's
    descriptors (the service's pipe ends, the control socket), closed first of all."""
    try:
        for fd in close:
            os.close(fd)
        os.setsid()
        if config.get("memcg"):
            memcg.join(config["memcg"])
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # under memory pressure a candidate dies first, never the service
        if config.get("run_namespaces"):
            run_dir = spec["cwd"] if spec["step"] == "run" else None
            confine.private_run_mounts(run_dir, config.get("uid"), spec["tmpfs_mb"], config["tmp_dirs"])
        request = _read_request(fds["request"])
        stdin = _stdin_fd(request.get("stdin") or "")
        _confine(spec, config, [stdin, fds["stdout"], fds["stderr"]] + ([fds["result"]] if "result" in fds else []), ruleset_fd)
        for name, text in (request.get("files") or {}).items():
            with open(os.path.basename(name), "w", encoding="utf-8") as f:
                f.write(text)
        if spec["step"] == "stage":
            os._exit(0)
        argv = spec.get("argv")
        if argv:
            os.execve(argv[0], argv, dict(os.environ))
        _run_python(request)
    except BaseException as e:
        try:
            os.write(2, f"sandbox: {type(e).__name__}: {e}\n{traceback.format_exc()}".encode())
        finally:
            os._exit(SETUP_EXIT)
    os._exit(SETUP_EXIT)


def _read_request(fd: int) -> dict[str, Any]:
    chunks, total = [], 0
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        total += len(chunk)
        if total > MAX_REQUEST:
            raise OSError("request too large")
        chunks.append(chunk)
    os.close(fd)
    data = json.loads(b"".join(chunks)) if chunks else {}
    if not isinstance(data, dict):
        raise OSError("malformed request")
    return data


def _stdin_fd(text: str) -> int:
    """A seekable fd holding the input (like a file redirect), made before seccomp."""
    fd = os.memfd_create("stdin", os.MFD_CLOEXEC)
    data = memoryview(text.encode("utf-8", "surrogateescape"))
    while data:
        data = data[os.write(fd, data) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _confine(spec: dict[str, Any], config: dict[str, Any], fds: list[int], ruleset_fd: int) -> None:
    # Lift every fd we keep above the targets first, so no dup2 clobbers a later source.
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 500) for fd in fds]
    for target, fd in enumerate(high):
        os.dup2(fd, target, inheritable=True)
    keep = len(fds)
    ruleset = -1
    landlock = config.get("landlock")
    if landlock and spec.get("ruleset") in landlock["read_paths"]:
        built = confine.run_ruleset(landlock, spec["ruleset"], own_proc=True)
        ruleset_fd = fcntl.fcntl(built, fcntl.F_DUPFD_CLOEXEC, 500)  # never equal to ``keep``
        os.close(built)
    if ruleset_fd >= 0:
        ruleset = os.dup2(ruleset_fd, keep, inheritable=False)
        keep += 1
    os.closerange(keep, 1 << 16)
    for sig in (signal.SIGPIPE, signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGXFSZ):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(spec["cwd"])
    limits = spec["limits"]
    setr = resource.setrlimit
    setr(resource.RLIMIT_CORE, (0, 0))
    setr(resource.RLIMIT_AS, (limits["as"], limits["as"]))
    setr(resource.RLIMIT_CPU, (limits["cpu"], limits["cpu"] + 1))
    setr(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))
    setr(resource.RLIMIT_NOFILE, (limits["nofile"], limits["nofile"]))
    setr(resource.RLIMIT_MSGQUEUE, (0, 0))
    if "stack" in limits:
        setr(resource.RLIMIT_STACK, (limits["stack"], limits["stack"]))
    uid = config.get("uid")
    if uid is not None:
        setr(resource.RLIMIT_NPROC, (limits["nproc"], limits["nproc"]))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        confine.dumpable()
    confine.no_new_privs()
    if ruleset >= 0:
        confine.landlock_restrict(ruleset)
        os.close(ruleset)
    if config.get("seccomp"):
        confine.seccomp_filter(deny_memfd=not config.get("memcg"))
    os.environ.clear()
    home = spec["cwd"]
    os.environ.update({"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8"})


def _run_python(request: dict[str, Any]) -> None:
    """Run the candidate in this (forked, confined) interpreter, then ``os._exit``."""
    import tempfile

    tempfile.tempdir = None
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8", errors="replace"
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(1, "w", closefd=False)), encoding="utf-8", errors="replace"
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(  # type: ignore[misc]
        io.BufferedWriter(io.FileIO(2, "w", closefd=False)), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    sys.argv = ["solution.py"]
    fn = request.get("fn")
    source = (CALL_HEADER + request["source"]) if fn else request["source"]
    args = request.get("args")
    del request
    code = 0
    try:
        try:
            compiled = compile(source, "solution.py", "exec")
        except (SyntaxError, ValueError, MemoryError, RecursionError) as e:
            sys.stderr.write(f"SyntaxError: {e}\n")
            sys.stderr.flush()
            os._exit(SYNTAX_EXIT)
        module = types.ModuleType("solution" if fn else "__main__")
        module.__file__ = "solution.py"
        sys.modules[module.__name__] = module
        del source
        exec(compiled, module.__dict__)
        if fn:
            code = _call_entry(module.__dict__, fn, args or "[[], {}]")
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
