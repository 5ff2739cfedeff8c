"""A memory cgroup per slot: the limit the kernel really charges, for the whole run.

Why a cgroup and not only ``RLIMIT_AS``: the address-space limit is per process and does not
see pages that are not mapped (``memfd`` written with ``write``, files on tmpfs, ``/dev/shm``,
detached SysV segments, pipe and socket buffers), so one run could hold gigabytes and two
could get the service OOM-killed. A memory cgroup counts anonymous memory, page cache and
shmem (tmpfs, memfd) and kernel memory of every process of the run together; when the run
exceeds it, the kernel's OOM killer acts inside that cgroup only.

The slot's cgroup is created once by its zygote (as root, under the zygote's own memory
cgroup) and reused: the zygote sets the limit before each run, the child moves itself in
before it allocates anything, and the OOM-kill counter tells a memory verdict from any
other ``SIGKILL``. cgroup v1 (``memory`` hierarchy) and v2 (a delegated subtree) both work;
where neither is writable (a default Docker container), :func:`create` returns None and the
sandbox falls back to denying ``memfd_create`` and size-limiting every tmpfs.

Stdlib-only: the zygote imports this file by path.
"""

from __future__ import annotations

import os

__all__ = ["create", "join", "set_limit", "oom_kills", "remove"]

_V1_ROOT = "/sys/fs/cgroup/memory"
_V2_ROOT = "/sys/fs/cgroup"


def _own_paths() -> list[tuple[str, int]]:
    """Candidate parents: this process's memory cgroup in v1, then its v2 cgroup."""
    out = []
    try:
        lines = open("/proc/self/cgroup").read().splitlines()
    except OSError:
        return out
    for line in lines:
        ident, _, rest = line.partition(":")
        controllers, _, path = rest.partition(":")
        if "memory" in controllers.split(","):
            out.insert(0, (_V1_ROOT + path, 1))
        elif ident == "0" and controllers == "":
            out.append((os.path.join(_V2_ROOT, path.lstrip("/")), 2))
    return out


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def create(name: str) -> str | None:
    """A fresh memory cgroup ``name`` under this process's own, or None where not allowed."""
    for parent, version in _own_paths():
        limit_file = "memory.limit_in_bytes" if version == 1 else "memory.max"
        if version == 2:
            try:
                if "memory" not in open(os.path.join(parent, "cgroup.subtree_control")).read().split():
                    _write(os.path.join(parent, "cgroup.subtree_control"), "+memory")
            except OSError:
                continue
        path = os.path.join(parent, name)
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:
            pass
        except OSError:
            continue
        if os.path.exists(os.path.join(path, limit_file)):
            if version == 2:
                try:
                    _write(os.path.join(path, "memory.swap.max"), "0")
                except OSError:
                    pass
            return path
        remove(path)
    return None


def _version(path: str) -> int:
    return 1 if os.path.exists(os.path.join(path, "memory.limit_in_bytes")) else 2


def set_limit(path: str, limit: int) -> None:
    """Set the run's limit (memory and, in v1, memory+swap to the same value).

    v1 keeps ``limit_in_bytes <= memsw.limit_in_bytes`` at every step (EINVAL otherwise), so a
    raise writes memsw first and a cut writes it last; it also refuses a limit below current
    usage (EBUSY: page cache of the previous run), so that case empties the group first.
    """
    if _version(path) == 2:
        _write(os.path.join(path, "memory.max"), str(limit))
        return
    mem = os.path.join(path, "memory.limit_in_bytes")
    swap = os.path.join(path, "memory.memsw.limit_in_bytes")
    has_swap = os.path.exists(swap)
    raising = has_swap and _read_int(swap) < limit
    if raising:
        _write(swap, str(limit))
    try:
        _write(mem, str(limit))
    except OSError:
        _write(os.path.join(path, "memory.force_empty"), "0")
        _write(mem, str(limit))
    if has_swap and not raising:
        try:
            _write(swap, str(limit))
        except OSError:
            pass


def _read_int(path: str) -> int:
    try:
        return int(open(path).read().strip())
    except (OSError, ValueError):
        return 0


def join(path: str) -> None:
    """Move the calling process into ``path`` (children it forks inherit it)."""
    _write(os.path.join(path, "cgroup.procs"), str(os.getpid()))


def oom_kills(path: str) -> int:
    """How many processes the kernel has OOM-killed in this cgroup so far."""
    name = "memory.oom_control" if _version(path) == 1 else "memory.events"
    try:
        for line in open(os.path.join(path, name)).read().splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def remove(path: str) -> bool:
    """Remove the cgroup (it must hold no process); True when it is gone."""
    try:
        os.rmdir(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True
