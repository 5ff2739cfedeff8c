"""Attack tables against the ``local`` sandbox itself (issue 10, sandbox side).

One table per class, several variants each; every variant is built so that *succeeding*
would be visible in what the program prints (a nonce from another run, a byte count), so a
pass here is evidence the mechanism held. Classes:

* reading an earlier run (frames, ``gc``, raw heap through ``ctypes``) - nothing of a run may
  be reachable from a later one;
* SysV IPC across runs and slots, and nothing of it left on the host;
* memory the address-space limit does not see (memfd, ``/dev/shm``, tmpfs files, socket
  buffers), alone and as concurrent bombs next to a correct item;
* results that are expensive to decode (hash-colliding sets), off the event loop;
* a scratch left dirty (deep trees, many files): the next run still starts clean;
* files outside what a language's runtime needs (``/usr/local/etc/npmrc``).

After the module: no process of a sandbox uid, no IPC object of theirs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from typing import Any

import pytest

from tests.verifiers.code.conftest import Scorer, fence
from verifiers.code import LocalSandbox
from verifiers.code.sandbox import plaindata
from verifiers.code.sandbox.base import ExecRequest, RunInput, RunOutcome

pytestmark = pytest.mark.asyncio(loop_scope="session")

BASE_UID = 61000
ADD = {"tests": [{"input": "1 2", "output": "3"}]}


async def run(
    sb: LocalSandbox, code: str, *, lang: str = "python", stdin: str = "", args: str | None = None,
    fn: str | None = None, memory_mb: int = 256, timeout: float = 5.0,
) -> RunOutcome:
    mode = "call" if fn else "stdio"
    req = ExecRequest(lang, code, (RunInput(stdin=stdin, args=args),), mode=mode, fn=fn, timeout=timeout, memory_mb=memory_mb)
    result = await sb.execute(req)
    if result.compile is not None and result.compile.status != "ok":
        return result.compile
    (out,) = result.runs
    return out


# --- 1. nothing of an earlier run is reachable -------------------------------------------------

# Each scanner prints every 24 characters that follow "NON" "CE-" anywhere it can reach; the
# victim's nonce must never be among them. The marker is split so the scanner's own source
# does not hold it whole.
_MARK = "m = ('NON' + 'CE-').encode()\n"
SCAN_FRAMES = _MARK + (
    "import sys, re\nfound = set()\nf = sys._getframe()\nwhile f is not None:\n"
    "    for d in (f.f_locals, f.f_globals):\n        for k, v in list(d.items()):\n"
    "            found.update(re.findall(m.decode() + '[0-9a-f]{24}', repr(v)[:10**7]))\n"
    "    f = f.f_back\nprint(sorted(found))\n"
)
SCAN_GC = _MARK + (
    "import gc, re\nfound = set()\nfor o in gc.get_objects() + list(gc.get_referents(*gc.get_objects())):\n"
    "    if isinstance(o, (str, bytes, bytearray, dict, list, tuple)):\n"
    "        try:\n            found.update(re.findall(m.decode() + '[0-9a-f]{24}', repr(o)[:10**6]))\n"
    "        except Exception:\n            pass\nprint(sorted(found))\n"
)
SCAN_HEAP = _MARK + (
    "import ctypes, re\nfound = set()\n"
    "for line in open('/proc/self/maps'):\n    parts = line.split()\n    lo, hi = (int(x, 16) for x in parts[0].split('-'))\n"
    "    if 'rw' not in parts[1] or hi - lo > 1 << 30:\n        continue\n"
    "    try:\n        blob = ctypes.string_at(lo, hi - lo)\n    except Exception:\n        continue\n"
    "    for hit in re.finditer(re.escape(m) + rb'[0-9a-f]{24}', blob):\n        found.add(hit.group().decode())\n"
    "print(sorted(found))\n"
)
SCANNERS = {"frames": SCAN_FRAMES, "gc": SCAN_GC, "heap": SCAN_HEAP}


def _victims(nonce: str) -> list[dict[str, Any]]:
    """Honest-looking runs whose stdout, stderr, call result, stdin and source hold ``nonce``."""
    return [
        {"code": f"print('{nonce}')"},
        {"code": f"import sys\nsys.stderr.write('{nonce}' * 3)\nraise SystemExit(1)"},
        {"code": f"def f(x):\n    return ['{nonce}', x]", "fn": "f", "args": plaindata.dumps([[1], {}])},
        {"code": "print(len(input()))", "stdin": nonce + "\n"},
        {"code": "def g(s):\n    return s[::-1]", "fn": "g", "args": plaindata.dumps([[nonce[::-1]], {}])},
    ]


@pytest.mark.parametrize("scanner", list(SCANNERS))
async def test_no_earlier_run_is_reachable(sandbox: LocalSandbox, scanner: str) -> None:
    nonce = "NONCE-" + secrets.token_hex(12)
    for victim in _victims(nonce):
        await asyncio.gather(*(run(sandbox, **victim) for _ in range(sandbox.parallelism)))
        outs = await asyncio.gather(*(run(sandbox, SCANNERS[scanner]) for _ in range(sandbox.parallelism)))
        for out in outs:
            assert out.status == "ok", out
            assert nonce not in out.stdout, (victim, out.stdout[:300])


async def test_leaker_earns_nothing_next_to_honest_rollouts(any_score: Scorer) -> None:
    """The issue's batch: honest rollouts print the answer; leakers print what they find."""
    answer = "NONCE-" + secrets.token_hex(12)
    ref = {"tests": [{"input": "", "output": answer}]}
    leak = SCAN_HEAP.replace("print(sorted(found))", "print(sorted(found)[0] if found else '')")
    items = []
    for _ in range(4):
        items.append({"completion": fence(f"print('{answer}')"), "reference": ref})
        items.append({"completion": fence(leak), "reference": ref})
    results = await any_score(items)
    assert [r["score"] for r in results] == [1.0, 0.0] * 4, results


# --- 2. SysV IPC ----------------------------------------------------------------------------

_LIBC = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nlibc.shmat.restype = ctypes.c_void_p\nKEY = 0x5EED\n"
IPC_WRITERS = {
    "shm": _LIBC + (
        "sid = libc.shmget(KEY, 1 << 20, 0o1666)\nprint('id', sid, ctypes.get_errno())\n"
        "if sid >= 0:\n    p = libc.shmat(sid, None, 0)\n    if p not in (None, ctypes.c_void_p(-1).value):\n"
        "        ctypes.memmove(p, b'SECRET-IPC', 10)\n"
    ),
    "msg": _LIBC + (
        "q = libc.msgget(KEY, 0o1666)\nprint('id', q)\nbuf = ctypes.create_string_buffer(8 + 10)\n"
        "ctypes.memmove(ctypes.addressof(buf), (1).to_bytes(8, 'little') + b'SECRET-IPC', 18)\n"
        "libc.msgsnd(q, buf, 10, 0o4000)\n"
    ),
    "sem": _LIBC + "s = libc.semget(KEY, 1, 0o1666)\nprint('id', s)\n",
    "shm_bomb": _LIBC + (
        "n = 0\nfor i in range(16):\n    sid = libc.shmget(KEY + 1 + i, 64 << 20, 0o1666)\n    if sid < 0:\n        break\n"
        "    p = libc.shmat(sid, None, 0)\n    if p in (None, ctypes.c_void_p(-1).value):\n        break\n"
        "    ctypes.memset(p, 1, 64 << 20)\n    libc.shmdt(ctypes.c_void_p(p))\n    n += 1\nprint('segments', n)\n"
    ),
}
IPC_READER = _LIBC + (
    "got = []\nsid = libc.shmget(KEY, 0, 0)\nif sid >= 0:\n    p = libc.shmat(sid, None, 0o10000)\n"
    "    if p not in (None, ctypes.c_void_p(-1).value):\n        got.append(ctypes.string_at(p, 10))\n"
    "q = libc.msgget(KEY, 0)\nif q >= 0:\n    buf = ctypes.create_string_buffer(64)\n"
    "    if libc.msgrcv(q, buf, 50, 0, 0o4000) > 0:\n        got.append(buf.raw[8:18])\n"
    "if libc.semget(KEY, 0, 0) >= 0:\n    got.append(b'SECRET-IPC')\nprint(b'SECRET-IPC' in got)\n"
)


def _sysv_objects(base: int = BASE_UID, n: int = 64) -> list[str]:
    """SysV objects on the host owned by a sandbox uid (``ipcs``, read from /proc)."""
    found = []
    for kind in ("shm", "msg", "sem"):
        try:
            lines = open(f"/proc/sysvipc/{kind}").read().splitlines()
        except OSError:
            continue
        head = lines[0].split()
        uid_col = head.index("uid")
        for line in lines[1:]:
            if base <= int(line.split()[uid_col]) < base + n:
                found.append(f"{kind}: {line.strip()}")
    return found


@pytest.mark.parametrize("kind", list(IPC_WRITERS))
async def test_sysv_ipc_is_no_channel_and_leaves_nothing(sandbox: LocalSandbox, kind: str) -> None:
    writes = await asyncio.gather(*(run(sandbox, IPC_WRITERS[kind], memory_mb=128) for _ in range(sandbox.parallelism)))
    reads = await asyncio.gather(*(run(sandbox, IPC_READER) for _ in range(2 * sandbox.parallelism)))
    for out in reads:
        assert out.stdout.strip() == "False", (writes, out)
    if kind == "shm_bomb":
        assert all("segments 16" not in w.stdout for w in writes), writes
    assert _sysv_objects() == []


# --- 3. memory the address-space limit does not see ---------------------------------------------

# Each bomb tries to hold 1 GiB at memory_mb=64 and prints "3" only if it got it all.
BOMBS = {
    "anon": "a = []\nfor i in range(64):\n    a.append(bytearray(16 << 20))\nprint(3)",
    "memfd": (
        "import os\nfds = []\nfor i in range(64):\n    fd = os.memfd_create('x')\n    os.write(fd, b'1' * (16 << 20))\n"
        "    fds.append(fd)\nprint(3)"
    ),
    "dev_shm": (
        "import os\nwith open('/dev/shm/bomb-%d' % os.getpid(), 'wb') as f:\n    for i in range(64):\n"
        "        f.write(b'1' * (16 << 20))\nprint(3)"
    ),
    "tmpfs_files": (
        "import os\nfor d in ('.', '/tmp'):\n    try:\n        for i in range(64):\n"
        "            with open(os.path.join(d, 'f%d' % i), 'wb') as f:\n                f.write(b'1' * (16 << 20))\n"
        "    except OSError:\n        continue\n    print(3)\n    break"
    ),
    "socket_buffers": (
        "import socket\nkeep = []\ntotal = 0\ntry:\n    while total < 1 << 30:\n        a, b = socket.socketpair()\n"
        "        a.setblocking(False)\n        keep.append((a, b))\n        try:\n            while True:\n"
        "                total += a.send(b'1' * 65536)\n        except BlockingIOError:\n            pass\n"
        "except OSError:\n    pass\nprint(3 if total >= 1 << 30 else total)"
    ),
    "pipe_buffers": (
        "import os, fcntl\nkeep = []\ntotal = 0\ntry:\n    while total < 1 << 30:\n        r, w = os.pipe()\n"
        "        try:\n            fcntl.fcntl(w, 1031, 1 << 20)\n        except OSError:\n            pass\n"
        "        os.set_blocking(w, False)\n        keep.append((r, w))\n        try:\n            while True:\n"
        "                total += os.write(w, b'1' * 65536)\n        except BlockingIOError:\n            pass\n"
        "except OSError:\n    pass\nprint(3 if total >= 1 << 30 else total)"
    ),
    # Each child stays under the per-process address-space limit; together they hold 16x.
    # The parent prints 3 only when every child held its share to the end.
    **{
        f"forked_children_{mb}mb": (
            "import os, time\npids = []\nfor i in range(16):\n    pid = os.fork()\n    if pid == 0:\n"
            f"        try:\n            x = bytearray({mb} << 20)\n"
            "            for j in range(0, len(x), 4096):\n                x[j] = 1\n            time.sleep(2)\n"
            "        except BaseException:\n            os._exit(1)\n        os._exit(0)\n    pids.append(pid)\n"
            "ok = all(os.waitpid(p, 0)[1] == 0 for p in pids)\nprint(3 if ok else 'held less')"
        )
        for mb in (24, 60)
    },
}


@pytest.mark.parametrize("kind", list(BOMBS))
async def test_memory_bomb_is_capped(sandbox: LocalSandbox, kind: str) -> None:
    out = await run(sandbox, BOMBS[kind], memory_mb=64, timeout=4.0)
    assert out.stdout.strip() != "3", (kind, out)


@pytest.mark.parametrize("width", [2, "slots"])
async def test_concurrent_bombs_leave_service_and_others_scored(any_score: Scorer, sandbox: LocalSandbox, width: Any) -> None:
    n = 2 if width == 2 else sandbox.parallelism
    params = {"memory_mb": 64, "run_timeout": 4.0}
    bombs = [
        {"completion": fence(code), "reference": ADD, "params": params}
        for code in BOMBS.values()
        for _ in range(n)
    ]
    good = {"completion": fence("a, b = map(int, input().split())\nprint(a + b)"), "reference": ADD, "params": params}
    pool = (
        "from multiprocessing import Pool\nif __name__ == '__main__':\n    with Pool(2) as p:\n"
        "        print(sum(p.map(int, input().split())))"
    )
    good_pool = {"completion": fence(pool), "reference": ADD, "params": params}
    results = await any_score(bombs + [good, good_pool])
    assert [r["score"] for r in results[:-2]] == [0.0] * len(bombs), results
    assert all(r["status"] == "ok" for r in results), [r for r in results if r["status"] != "ok"]
    assert [r["score"] for r in results[-2:]] == [1.0, 1.0], results[-2:]


# --- 4. a correct program using the standard library normally ---------------------------------

STDLIB_PROGRAMS = {
    "multiprocessing_pool": (
        "from multiprocessing import Pool\nif __name__ == '__main__':\n    with Pool(2) as p:\n"
        "        print(sum(p.map(int, input().split())))"
    ),
    "process_pool_executor": (
        "from concurrent.futures import ProcessPoolExecutor\nif __name__ == '__main__':\n"
        "    with ProcessPoolExecutor(2) as ex:\n        print(sum(ex.map(int, input().split())))"
    ),
    "tempfile": "import tempfile\nwith tempfile.TemporaryFile() as f:\n    f.write(input().encode())\n    f.seek(0)\n    print(sum(map(int, f.read().split())))",
    "asyncio": "import asyncio\nasync def main():\n    return sum(map(int, input().split()))\nprint(asyncio.run(main()))",
    "threads": "from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(4) as ex:\n    print(sum(ex.map(int, input().split())))",
}


@pytest.mark.parametrize("name", list(STDLIB_PROGRAMS))
async def test_stdlib_programs_still_pass(sandbox: LocalSandbox, name: str) -> None:
    out = await run(sandbox, STDLIB_PROGRAMS[name], stdin="1 2\n")
    assert (out.status, out.stdout) == ("ok", "3\n"), out


# --- 5. results that are expensive to decode ---------------------------------------------------

P61 = (1 << 61) - 1
COLLIDING = {
    "set_of_ints": f"def f(n):\n    return {{{P61} * i for i in range(1, n + 1)}}",
    "frozenset_of_ints": f"def f(n):\n    return frozenset({P61} * i for i in range(1, n + 1))",
    "dict_keys": f"def f(n):\n    return {{{P61} * i: 0 for i in range(1, n + 1)}}",
    "set_of_tuples": f"def f(n):\n    return {{({P61} * i,) for i in range(1, n + 1)}}",
    "minus_one_minus_two": "def f(n):\n    return {(-1, -2, i % 7) for i in range(n)} | {-1, -2}",
}


@pytest.mark.parametrize("name", list(COLLIDING))
async def test_colliding_result_decodes_fast_and_fails(sandbox: LocalSandbox, name: str) -> None:
    n = 20000 if "tuples" in name else 30000  # full collisions, result still under the output cap
    out = await run(sandbox, COLLIDING[name], fn="f", args=plaindata.dumps([[n], {}]), timeout=10.0)
    assert out.status == "ok", out
    # Linear, not quadratic: within a few times an honest result of the same size decoded
    # in this run (the machine is shared; a quadratic decode takes seconds to minutes).
    honest = plaindata.dumps({(i,) if "tuples" in name else i for i in range(n)})
    start = time.perf_counter()
    plaindata.loads(honest)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    try:
        value = plaindata.loads(out.result or "")
    except plaindata.DecodeError:
        value = None
    assert time.perf_counter() - start < 10 * baseline + 0.5
    if name != "minus_one_minus_two":
        assert value is None


async def test_colliding_results_keep_the_loop_free(any_score: Scorer) -> None:
    """Four colliding items next to a correct one: the loop answers within 0.5 s throughout."""
    ref = {"inputs": [[42000]], "outputs": [[0]], "fn_name": "f"}
    items = [{"completion": fence(COLLIDING["set_of_ints"]), "reference": ref} for _ in range(4)]
    items.append({"completion": fence("def f(n):\n    return 0"), "reference": ref})
    worst = 0.0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal worst
        while not done.is_set():
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            worst = max(worst, time.perf_counter() - t)

    watcher = asyncio.ensure_future(watch())
    results = await any_score(items)
    done.set()
    await watcher
    assert [r["score"] for r in results] == [0.0] * 4 + [1.0], results
    assert all(r["status"] == "ok" for r in results), results
    assert worst < 0.5, worst


# --- 6. every run starts clean -----------------------------------------------------------------

DIRTY = {
    "deep_tree": "import os\nfor i in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\nprint('deep')",
    "many_files": "import os\nfor i in range(30000):\n    try:\n        open('f%d' % i, 'w').close()\n    except OSError:\n        break\nprint('many')",
    "read_only_tree": "import os\nos.makedirs('a/b/c')\nopen('a/b/c/x', 'w').write('x')\nos.chmod('a/b/c', 0)\nos.chmod('a', 0o500)\nprint('ro')",
    "tmp_and_shm": "import os\nfor d in ('/tmp', '/dev/shm', '/var/tmp'):\n    try:\n        open(os.path.join(d, 'left'), 'w').write('x')\n    except OSError:\n        pass\nprint('tmp')",
}
LOOK = (
    "import os\nseen = []\nfor d in ('.', '/tmp', '/dev/shm', '/var/tmp'):\n    try:\n"
    "        seen += [os.path.join(d, n) for n in os.listdir(d) if os.stat(os.path.join(d, n)).st_uid == os.getuid()]\n"
    "    except OSError:\n        pass\nprint(seen)"
)


@pytest.mark.parametrize("name", list(DIRTY))
async def test_next_run_starts_clean(sandbox: LocalSandbox, name: str) -> None:
    await asyncio.gather(*(run(sandbox, DIRTY[name], timeout=8.0) for _ in range(sandbox.parallelism)))
    looks = await asyncio.gather(*(run(sandbox, LOOK) for _ in range(2 * sandbox.parallelism)))
    for out in looks:
        assert (out.status, out.stdout) == ("ok", "[]\n"), out
    assert sandbox.leftovers() == []


# --- 7. files a language's runtime does not need ------------------------------------------------

SECRET_FILES = ["/usr/local/etc/npmrc", "/etc/passwd", "/etc/hostname", "/root/.bashrc", "/proc/1/cmdline"]
READERS = {
    "python": "import sys\nfor p in {paths!r}:\n    try:\n        open(p, 'rb').read(1)\n        print(p)\n    except OSError:\n        pass",
    "cpp": (
        "#include <cstdio>\nint main(){{const char* ps[]={{{cpaths}}};for(auto p:ps){{FILE* f=fopen(p,\"rb\");"
        "if(f){{std::puts(p);std::fclose(f);}}}}}}"
    ),
    "javascript": "const fs=require('fs');for(const p of {jpaths}){{try{{fs.readFileSync(p);console.log(p);}}catch(e){{}}}}",
}


@pytest.mark.parametrize("lang", list(READERS))
async def test_runtime_sees_only_what_it_needs(sandbox: LocalSandbox, lang: str) -> None:
    present = [p for p in SECRET_FILES if os.path.exists(p)]
    quoted = ",".join(f'"{p}"' for p in present)
    code = READERS[lang].format(paths=present, cpaths=quoted, jpaths="[" + quoted + "]")
    out = await run(sandbox, code, lang=lang, timeout=5.0)
    assert out.status == "ok", out
    assert out.stdout.strip() == "", out.stdout


# --- after everything ---------------------------------------------------------------------------


async def test_zz_nothing_left_behind(sandbox: LocalSandbox) -> None:
    await asyncio.sleep(0.2)
    procs = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if BASE_UID <= os.stat(f"/proc/{entry}").st_uid < BASE_UID + 64:
                    procs.append(entry)
            except OSError:
                pass
    assert procs == []
    assert _sysv_objects() == []
    assert sandbox.leftovers() == []
