"""Kernel confinement primitives for sandbox children, written against raw syscalls.

Why raw ``ctypes`` syscalls rather than ``pyseccomp``/``landlock`` from PyPI: this module is
loaded by the zygote, which runs under a bare system interpreter (``python3 -I``) that must
work in a stock Docker image with nothing installed; and each primitive is a handful of
syscalls. Every function here either applies its layer or raises :class:`OSError`; the
zygote probes each layer once at start-up and reports which ones are active.

Layers:

* :func:`seccomp_filter` - a BPF program that denies ``socket`` (no network at all), the
  namespace and tracing syscalls a child could use to regain privileges or spy on its
  siblings, ``io_uring`` (which bypasses seccomp), and ``setsid``/``setpgid`` so nothing can
  leave the run's process group (a single ``killpg`` then kills daemons too).
* :func:`landlock_ruleset` / :func:`landlock_restrict` - read-only access to the runtime,
  read-write to the slot's scratch, nothing else; with ABI >= 4 TCP bind/connect are denied
  too and with ABI >= 6 signals to processes outside the sandbox (the service!) are denied.
* :func:`unshare_net_and_mount` / :func:`mount_tmpfs` - used once by the zygote where the
  kernel allows it (never in a default Docker container): an empty network namespace and a
  size-limited tmpfs for the scratch.
* :func:`private_run_mounts` - per run, where allowed: private mount and IPC namespaces with
  fresh size- and inode-limited tmpfs on the run's directory, ``/tmp``, ``/var/tmp`` and
  ``/dev/shm``. They vanish with the run's last process, so a run can leave nothing (files,
  trees too deep to remove, SysV objects, POSIX queues) to the next; ~0.3 ms per run.
* :func:`probe` - try a layer in a throw-away child, so start-up learns what this host allows.

SysV IPC and POSIX message queues are denied outright (no task needs them; they outlive
the run). ``memfd_create`` is denied when no memory cgroup counts its pages.

Only x86_64 has a syscall table here; elsewhere seccomp reports itself unavailable.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
from collections.abc import Callable
from typing import Any

__all__ = [
    "dumpable",
    "seccomp_filter",
    "seccomp_available",
    "landlock_abi",
    "landlock_ruleset",
    "landlock_restrict",
    "no_new_privs",
    "unshare_net_and_mount",
    "mount_tmpfs",
    "private_run_mounts",
    "private_tmp_dirs",
    "probe",
    "probe_seccomp",
    "probe_landlock",
    "probe_run_mounts",
]

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
PR_SET_DUMPABLE = 4
SECCOMP_MODE_FILTER = 2

_X86_64 = platform.machine() == "x86_64"
AUDIT_ARCH_X86_64 = 0xC000003E

# x86_64 syscall numbers.
_DENY_EPERM = {
    "socket": 41,
    "ptrace": 101,
    "setpgid": 109,
    "setsid": 112,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "chroot": 161,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "name_to_handle_at": 303,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "bpf": 321,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "fsopen": 430,
    "fsmount": 432,
    "open_tree": 428,
    "move_mount": 429,
    # SysV IPC and POSIX message queues: channels across runs that outlive them.
    "shmget": 29,
    "shmat": 30,
    "shmctl": 31,
    "semget": 64,
    "semop": 65,
    "semctl": 66,
    "shmdt": 67,
    "msgget": 68,
    "msgsnd": 69,
    "msgrcv": 70,
    "msgctl": 71,
    "semtimedop": 220,
    "mq_open": 240,
    "mq_unlink": 241,
    "mq_timedsend": 242,
    "mq_timedreceive": 243,
    "mq_notify": 244,
    "mq_getsetattr": 245,
    "memfd_secret": 447,
}
_NR_MEMFD_CREATE = 319
_NR_CLONE = 56
_NR_CLONE3 = 435
_CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

_EPERM = 1
_ENOSYS = 38
_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _seccomp_program(deny_memfd: bool) -> bytes:
    """The BPF program: kill foreign ABIs, deny the listed syscalls with EPERM."""
    deny = sorted(set(_DENY_EPERM.values()) | ({_NR_MEMFD_CREATE} if deny_memfd else set()))
    out = [
        _insn(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _insn(_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        _insn(_RET_K, 0, 0, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        _insn(_JGE_K, 0, 1, 0x40000000),  # x32 ABI
        _insn(_RET_K, 0, 0, _RET_ERRNO | _EPERM),
    ]
    for nr in deny:
        out.append(_insn(_JEQ_K, 0, 1, nr))
        out.append(_insn(_RET_K, 0, 0, _RET_ERRNO | _EPERM))
    out += [
        _insn(_JEQ_K, 0, 1, _NR_CLONE3),  # flags hidden in a struct: make glibc fall back to clone
        _insn(_RET_K, 0, 0, _RET_ERRNO | _ENOSYS),
        _insn(_JEQ_K, 0, 3, _NR_CLONE),
        _insn(_LD_W_ABS, 0, 0, 16),  # args[0] low half: clone flags
        _insn(_JSET_K, 0, 1, _CLONE_NS_FLAGS),
        _insn(_RET_K, 0, 0, _RET_ERRNO | _EPERM),
        _insn(_RET_K, 0, 0, _RET_ALLOW),
    ]
    return b"".join(out)


_PROGRAMS = {flag: _seccomp_program(flag) for flag in (False, True)} if _X86_64 else {}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _check(rc: int) -> int:
    if rc < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return rc


def no_new_privs() -> None:
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))


def dumpable() -> None:
    """Undo the kernel's "not dumpable" mark that ``setresuid`` leaves on a forked child.

    Without it ``/proc/self/*`` (maps, status, fd) belongs to root and ordinary programs that
    read their own memory use fail. Safe here: ``ptrace`` and ``process_vm_*`` are denied by
    the seccomp filter, and no other process of the run's uid outlives its run.
    """
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))


def seccomp_available() -> bool:
    return _X86_64


def seccomp_filter(deny_memfd: bool = True) -> None:
    """Install the filter on the calling thread (call after ``no_new_privs``)."""
    if not _X86_64:
        raise OSError(_ENOSYS, "seccomp filter only built for x86_64")
    program = _PROGRAMS[deny_memfd]
    buf = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0))


# --- Landlock -----------------------------------------------------------------------------

_NR_LL_CREATE = 444
_NR_LL_ADD = 445
_NR_LL_RESTRICT = 446

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13
FS_TRUNCATE = 1 << 14
FS_IOCTL_DEV = 1 << 15
_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX = 1 << 0
SCOPE_SIGNAL = 1 << 1


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when unavailable (or denied by a seccomp profile)."""
    rc = _libc.syscall(_NR_LL_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return int(rc) if rc > 0 else 0


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1
    if abi >= 2:
        rights |= FS_REFER
    if abi >= 3:
        rights |= FS_TRUNCATE
    if abi >= 5:
        rights |= FS_IOCTL_DEV
    return rights


def landlock_ruleset(read_paths: list[str], write_paths: list[str], abi: int) -> int:
    """Build a ruleset fd: ``read_paths`` readable/executable, ``write_paths`` fully usable.

    Built once in the zygote and inherited by every child, which only has to call
    :func:`landlock_restrict`. Paths that do not exist are skipped.
    """
    handled = _fs_rights(abi)
    attr = struct.pack(
        "=QQQ",
        handled,
        (NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
        (SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL) if abi >= 6 else 0,
    )
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    buf = ctypes.create_string_buffer(attr[:size], size)
    fd = _check(_libc.syscall(_NR_LL_CREATE, buf, ctypes.c_size_t(size), ctypes.c_uint32(0)))
    read = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
    for path, rights in [(p, read) for p in read_paths] + [(p, handled) for p in write_paths]:
        try:
            pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if not os.path.isdir(path):
                rights &= _FILE_RIGHTS
            rule = struct.pack("=Qi", rights & handled, pfd)
            rbuf = ctypes.create_string_buffer(rule, len(rule))
            _check(_libc.syscall(_NR_LL_ADD, fd, ctypes.c_int(1), rbuf, ctypes.c_uint32(0)))
        finally:
            os.close(pfd)
    return fd


def landlock_restrict(ruleset_fd: int) -> None:
    """Enforce the ruleset on the calling thread (needs ``no_new_privs`` first)."""
    _check(_libc.syscall(_NR_LL_RESTRICT, ruleset_fd, ctypes.c_uint32(0)))


# --- namespaces (only where the kernel lets us) --------------------------------------------

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
MS_NOSUID = 2
MS_NODEV = 4


def unshare_net_and_mount() -> None:
    """Give the calling process an empty network namespace and a private mount namespace."""
    _check(_libc.unshare(CLONE_NEWNET | CLONE_NEWNS))
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))


def mount_tmpfs(path: str, size_mb: int, extra: str = "mode=0711") -> None:
    opts = f"size={int(size_mb)}m,{extra}".encode()
    _check(_libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts))


RUN_TMPFS = ("/tmp", "/var/tmp", "/dev/shm")
RUN_INODES = 4096


def private_tmp_dirs(scratch_root: str) -> list[str]:
    """The shared temp dirs a run can get its own tmpfs on: those not holding the scratch
    (a tmpfs over ``/tmp`` would hide a scratch under it)."""
    return [p for p in RUN_TMPFS if os.path.isdir(p) and not scratch_root.startswith(p.rstrip("/") + "/")]


def private_run_mounts(run_dir: str | None, uid: int | None, sizes_mb: dict[str, int], tmp_dirs: list[str]) -> None:
    """Private mount + IPC namespaces for one run, with fresh tmpfs where it may write.

    ``nr_inodes`` bounds the tree a run can build, so nothing it makes is too large to go
    away; the mounts die with the namespace (its last process), whatever they hold.
    """
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC))
    _check(_libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None))
    owner = f",uid={uid},gid={uid}" if uid is not None else ""
    targets = [(p, sizes_mb["tmp"]) for p in tmp_dirs]
    if run_dir is not None:
        targets.append((run_dir, sizes_mb["run"]))
    for path, size in targets:
        mount_tmpfs(path, size, f"nr_inodes={RUN_INODES},mode=0700{owner}")


def probe(fn: Callable[[], bool]) -> bool:
    """Run ``fn`` in a throw-away child: True when it returns True (the layer works here)."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(0 if fn() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def probe_seccomp() -> bool:
    import socket

    no_new_privs()
    seccomp_filter()
    for make in (lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM), lambda: os.memfd_create("x")):
        try:
            make()
        except PermissionError:
            continue
        return False
    return True


def probe_landlock(ruleset_fd: int, writable: str) -> bool:
    no_new_privs()
    landlock_restrict(ruleset_fd)
    try:
        open("/proc/self/status").close()
    except PermissionError:
        pass
    else:
        return False
    os.listdir(writable)
    return True


def run_ruleset(landlock: dict[str, Any], name: str, own_proc: bool = False) -> int:
    """The ruleset of one run, built after its private mounts (see the zygote's ``_landlock``).

    ``own_proc`` adds the calling process's own ``/proc/<pid>`` (read only): programs read
    their maps, status and fds, and the rest of ``/proc`` (other processes, the service's
    command line) stays out of reach. Its own children get no ``/proc`` at all.
    """
    read = list(landlock["read_paths"][name]) + ([f"/proc/{os.getpid()}"] if own_proc else [])
    return landlock_ruleset(read, landlock["writable"], landlock["abi"])


def probe_run_landlock(scratch: str, landlock: dict[str, Any]) -> bool:
    """Per-run temp dirs stay writable (and only they) under a ruleset built after mounting."""
    tmp_dirs = private_tmp_dirs(scratch)
    private_run_mounts(None, None, {"tmp": 1, "run": 1}, tmp_dirs)
    fd = run_ruleset(landlock, next(iter(landlock["read_paths"])))
    no_new_privs()
    landlock_restrict(fd)
    for d in tmp_dirs:
        with open(os.path.join(d, "probe"), "w") as f:
            f.write("x")
    try:
        open("/proc/self/status").close()
    except PermissionError:
        return True
    return False


def probe_run_mounts(scratch: str) -> bool:
    tmp_dirs = private_tmp_dirs(scratch)
    private_run_mounts(scratch, None, {"tmp": 1, "run": 1}, tmp_dirs)
    return os.path.ismount(scratch) and all(os.path.ismount(p) for p in tmp_dirs)
