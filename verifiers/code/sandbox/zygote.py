"""The zygote: a warm fork server for one slot that never holds request data.

Run by :mod:`verifiers.code.sandbox.local` with a bare interpreter
(``python3 -I -B zygote.py CONFIG_JSON``), an environment holding only ``PATH`` and one
inherited ``SOCK_SEQPACKET`` control socket (:mod:`.protocol`). Why fork at all: a fork of a
warm interpreter costs ~1 ms, a fresh interpreter ~8 ms of CPU, and LeetCode/TACO-style data
has many tiny tests.

Why it never sees a program, an input or an output: every child inherits this process's
memory, freed pages included, and can read it (``sys._getframe`` up to this module's
frames, ``gc``, raw heap through ``ctypes``). So for each run the zygote creates the pipes,
forks, and passes the service's ends (plus a pidfd of the child) back over the control
socket; the service writes the request into the child's pipe and reads its output
directly. The zygote only receives limits and the language's argv, and reports exit
status, CPU time and what it did to the run (timeout, disk, OOM kill, scratch it could
not empty). See :mod:`.child` for what a child does before running candidate code.

Operations (one JSON object each, answered in order):

* ``{"op": "run", "id", "build", "step": "stage"|"compile"|"run", "argv", "limits",
  "memcg_bytes", "timeout", "call", "ruleset"}`` - answered first by ``{"id", "forked"}``
  with the descriptors ``[request_w, stdout_r, stderr_r, (result_r), pidfd]``, then by
  ``{"id", "done", "exit", "cpu", "wall", "timeout", "disk", "oom", "dirty"}``;
* ``{"op": "close", "id", "build"}`` - remove the request's build directory:
  ``{"id", "closed", "dirty"}``.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import child
import confine
import memcg
import protocol

del sys.path[0]

PRELOAD = (
    "array bisect collections copy datetime decimal fractions functools heapq io itertools json "
    "math operator random re statistics string threading typing dataclasses enum queue "
    "collections.abc tempfile traceback"
)
for _name in PRELOAD.split():
    try:
        __import__(_name)
    except ImportError:
        pass

MB = 1 << 20
POLL_SLICE = 0.05
REMOVE_BUDGET = 3.0  # seconds to empty a scratch before the slot is rebuilt instead

CONFIG: dict[str, Any] = {}
LAYERS: dict[str, Any] = {}
RULESETS: dict[str, int] = {}


# --- one run ---------------------------------------------------------------------------------


def _run(sock: Any, msg: dict[str, Any]) -> None:
    ident = msg["id"]
    root = CONFIG["root"]
    build = _ensure_dir(os.path.join(root, f"build-{int(msg['build'])}"))
    step = msg["step"]
    cwd = build if step != "run" else _ensure_dir(os.path.join(root, f"run-{ident}"))
    spec = {
        "step": step,
        "cwd": cwd,
        "argv": [a.replace("{build}", build) for a in msg.get("argv") or []],
        "limits": msg["limits"],
        "tmpfs_mb": {"tmp": CONFIG["tmp_mb"], "run": CONFIG["scratch_mb"]},
    }
    if CONFIG.get("memcg_path"):
        memcg.set_limit(CONFIG["memcg_path"], int(msg["memcg_bytes"]))
    oom_before = memcg.oom_kills(CONFIG["memcg_path"]) if CONFIG.get("memcg_path") else 0
    names = ["request", "stdout", "stderr"] + (["result"] if msg.get("call") else [])
    pipes = {name: os.pipe() for name in names}
    ours = [pipes["request"][1]] + [pipes[n][0] for n in names[1:]]
    theirs = {"request": pipes["request"][0], **{n: pipes[n][1] for n in names[1:]}}
    disk_before = _disk_free() if LAYERS.get("disk_watch") else 0
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        spec["ruleset"] = msg.get("ruleset") or ""
        child.main(spec, theirs, ours + [sock.fileno()], CHILD_CONFIG, RULESETS.get(spec["ruleset"], -1))
    for fd in theirs.values():
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    try:
        protocol.send(sock, {"id": ident, "forked": True}, ours + [pidfd])
    finally:
        for fd in ours:
            os.close(fd)
    timed_out, disk = _watch(pidfd, start + float(msg["timeout"]), disk_before)
    wall = time.monotonic() - start
    _killpg(pid)
    _, status, usage = os.wait4(pid, 0)
    os.close(pidfd)
    _reap_strays()
    oom = bool(CONFIG.get("memcg_path")) and memcg.oom_kills(CONFIG["memcg_path"]) > oom_before
    dirty = False
    if step == "run":
        dirty = not _remove_tree(cwd)
    else:
        # Runs may read and execute what the build step made, never add to it.
        if CONFIG.get("uid") is not None:
            os.chown(build, 0, 0)
        os.chmod(build, 0o755)
    dirty = not _clear_shared_tmp() or dirty
    protocol.send(
        sock,
        {
            "id": ident,
            "done": True,
            "exit": os.waitstatus_to_exitcode(status),
            "cpu": round(usage.ru_utime + usage.ru_stime, 4),
            "wall": round(wall, 4),
            "timeout": timed_out,
            "disk": disk,
            "oom": oom,
            "dirty": dirty,
        },
    )


def _watch(pidfd: int, deadline: float, disk_before: int) -> tuple[bool, bool]:
    """Wait for the child to exit: (timed out, over the disk budget)."""
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    while True:
        now = time.monotonic()
        if now >= deadline:
            return True, False
        if poller.poll(min(deadline - now, POLL_SLICE) * 1000):
            return False, False
        if disk_before:
            free = _disk_free()
            if disk_before - free > CONFIG["scratch_mb"] * MB:
                # The filesystem is shared (other slots, the host): attribute before killing.
                used = _dir_usage(CONFIG["root"])
                if used is None or used > CONFIG["scratch_mb"] * MB:
                    return False, True
                disk_before = free + used


def _killpg(pid: int) -> None:
    for target in (-pid, pid):  # the group; the child itself if it had no time to setsid
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


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


# --- scratch -----------------------------------------------------------------------------------


def _ensure_dir(path: str) -> str:
    if not os.path.isdir(path):
        os.mkdir(path, 0o700)
        uid = CONFIG.get("uid")
        if uid is not None:
            os.chown(path, uid, uid)
    return path


def _remove_tree(path: str) -> bool:
    """Empty and remove ``path`` within a time budget; False when it could not be done
    (then the service rebuilds the slot rather than run anything next to it)."""
    try:
        os.rmdir(path)  # the common case: the run wrote nothing (or wrote to its own tmpfs)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        pass
    try:
        subprocess.run(
            ["rm", "-rf", "--one-file-system", "--", path], timeout=REMOVE_BUDGET, check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"},
        )
    except (OSError, subprocess.SubprocessError):
        pass
    return not os.path.lexists(path)


def _clear_shared_tmp() -> bool:
    """Remove what the slot uid left in the temp dirs that were not private to the run."""
    uid = CONFIG.get("uid")
    if uid is None:
        return True
    ok = True
    private = set(CHILD_CONFIG["tmp_dirs"]) if LAYERS.get("run_namespaces") else set()
    for base in confine.RUN_TMPFS:
        if base in private:
            continue
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
            except OSError:
                continue
            if entry.is_dir(follow_symlinks=False):
                ok = _remove_tree(entry.path) and ok
            else:
                try:
                    os.unlink(entry.path)
                except OSError:
                    ok = False
    return ok


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


# --- start-up and loop ---------------------------------------------------------------------------

CHILD_CONFIG: dict[str, Any] = {}
CHILD_LANDLOCK: dict[str, Any] = {}


def _start() -> None:
    CONFIG.update(json.loads(sys.argv[1]))
    root = CONFIG["root"]
    os.makedirs(root, mode=0o711, exist_ok=True)
    try:
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    uid = CONFIG.get("uid")
    LAYERS["uid"] = uid
    LAYERS["rlimits"] = ["as", "cpu", "fsize", "nofile", "core", "msgqueue"] + (["nproc"] if uid else [])
    LAYERS["netns"] = LAYERS["tmpfs_scratch"] = LAYERS["run_namespaces"] = False
    if CONFIG.get("namespaces"):
        try:
            confine.unshare_net_and_mount()
            LAYERS["netns"] = True
            confine.mount_tmpfs(root, CONFIG["scratch_mb"])
            LAYERS["tmpfs_scratch"] = True
            LAYERS["run_namespaces"] = confine.probe(lambda: confine.probe_run_mounts(root))
        except OSError as e:
            LAYERS["namespaces_error"] = str(e)
    LAYERS["disk_watch"] = not LAYERS["tmpfs_scratch"]
    CONFIG["memcg_path"] = memcg.create(f"reward-sandbox-{os.getpid()}") if CONFIG.get("memcg") and uid is not None else None
    LAYERS["memcg"] = CONFIG["memcg_path"]
    LAYERS["seccomp"] = bool(CONFIG.get("seccomp")) and confine.seccomp_available() and confine.probe(confine.probe_seccomp)
    LAYERS["sysv_ipc"] = "denied" if LAYERS["seccomp"] else ("per-run namespace" if LAYERS["run_namespaces"] else "shared")
    LAYERS["memfd"] = "counted" if CONFIG["memcg_path"] else ("denied" if LAYERS["seccomp"] else "uncounted")
    _landlock()
    CHILD_CONFIG.update(
        {
            "uid": uid,
            "memcg": CONFIG["memcg_path"],
            "run_namespaces": LAYERS["run_namespaces"],
            "tmp_dirs": confine.private_tmp_dirs(root),
            "seccomp": LAYERS["seccomp"],
            "landlock": CHILD_LANDLOCK if LAYERS["landlock"] else None,
        }
    )
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-500")  # a killed zygote costs its request; a candidate must go first
    except OSError:
        pass


def _landlock() -> None:
    """One ruleset per runtime (what its interpreter, compiler or binary needs to read)."""
    abi = confine.landlock_abi() if CONFIG.get("landlock") else 0
    LAYERS["landlock"] = False
    if not abi:
        return
    # Temp dirs are writable only where each run gets its own tmpfs on them, and /dev/shm
    # (multiprocessing's semaphores) always; it is emptied after each run otherwise.
    tmp_dirs = confine.private_tmp_dirs(CONFIG["root"]) if LAYERS["run_namespaces"] else []
    writable = [CONFIG["root"], "/dev/null"] + sorted(set(tmp_dirs) | {"/dev/shm"})
    try:
        for name, paths in CONFIG["read_paths"].items():
            fd = confine.landlock_ruleset(paths, writable, abi)
            RULESETS[name] = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 400)  # clear of the child's fds
            os.close(fd)
        LAYERS["landlock"] = all(confine.probe(lambda fd=fd: confine.probe_landlock(fd, CONFIG["root"])) for fd in RULESETS.values())
        if LAYERS["landlock"] and tmp_dirs:
            # A rule names an inode: the tmpfs a run mounts over /tmp is a new one, which the
            # rule on the directory under it does not cover. So where runs get their own
            # temp dirs, each child builds its ruleset after mounting them (~0.1 ms).
            CHILD_LANDLOCK.update({"abi": abi, "read_paths": CONFIG["read_paths"], "writable": writable})
            LAYERS["landlock"] = confine.probe(lambda: confine.probe_run_landlock(CONFIG["root"], CHILD_LANDLOCK))
            LAYERS["landlock_per_run"] = LAYERS["landlock"]
        LAYERS["landlock_abi"] = abi
        LAYERS["landlock_rulesets"] = sorted(RULESETS)
    except OSError as e:
        LAYERS["landlock_error"] = str(e)
    if not LAYERS["landlock"]:
        for fd in RULESETS.values():
            os.close(fd)
        RULESETS.clear()


def main() -> None:
    _start()
    import socket

    sock = socket.socket(fileno=int(CONFIG["control_fd"]))
    # Everything alive now is shared with every child: keep the collector off those pages
    # so children do not copy them on their first collection.
    import gc

    gc.collect()
    gc.freeze()
    protocol.send(sock, {"ready": True, "layers": LAYERS, "pid": os.getpid()})
    while True:
        try:
            msg, fds = protocol.recv(sock)
        except (protocol.ProtocolError, OSError):
            break
        for fd in fds:
            os.close(fd)
        try:
            if msg.get("op") == "run":
                _run(sock, msg)
            elif msg.get("op") == "close":
                path = os.path.join(CONFIG["root"], f"build-{int(msg['build'])}")
                protocol.send(sock, {"id": msg.get("id"), "closed": True, "dirty": not _remove_tree(path)})
            else:
                protocol.send(sock, {"id": msg.get("id"), "error": "unknown op"})
        except Exception as e:  # a zygote bug or resource exhaustion: say so, keep serving
            traceback.print_exc()  # the service logs the zygote's stderr
            try:
                protocol.send(sock, {"id": msg.get("id"), "error": f"{type(e).__name__}: {e}"[:500]})
            except OSError:
                break
    if CONFIG.get("memcg_path"):
        memcg.remove(CONFIG["memcg_path"])
    shutil.rmtree(CONFIG["root"], ignore_errors=True)


if __name__ == "__main__":
    main()
