"""The attack suite: hostile completions must score 0 with a reason and leave no trace.

Written against ``score(items) -> results`` (see conftest) so it runs unchanged through
HTTP. Several attacks are built so that *succeeding* would earn the reward: the expected
output is the secret or the file content the attack tries to steal, so a score of 0 is
evidence the layer held, not just that the program printed something else.

After the suite: the sandbox still serves correct code, no process of a slot uid is left,
the scratch areas are empty and no response contains the service's secret.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.verifiers.code.conftest import SECRET, Scorer, fence

pytestmark = pytest.mark.asyncio(loop_scope="session")

FAST = {"run_timeout": 1.0, "check_timeout": 10.0}
ADD = {"tests": [{"input": "1 2", "output": "3"}]}
SERVICE_PID = os.getpid()
FIRST_LINE = Path(__file__).read_text().split("\n")[0]


def _listener() -> tuple[int, threading.Event]:
    """A TCP port on the host that hands out the secret: the service's own port stand-in."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    hit = threading.Event()

    def serve() -> None:
        srv.settimeout(60)
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            hit.set()
            conn.sendall(SECRET.encode() + b"\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1], hit


PORT, PORT_HIT = _listener()

# (id, code, reference): python unless the code starts with a fence language marker.
STDIO_ATTACKS: list[tuple[str, str, Any]] = [
    ("fork_bomb", "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", ADD),
    (
        "thread_bomb",
        "import threading, time\nts=[]\nwhile True:\n    t=threading.Thread(target=time.sleep, args=(100,))\n    t.start()\n    ts.append(t)",
        ADD,
    ),
    ("memory_bomb", "a=[]\nwhile True:\n    a.append(bytearray(50*2**20))", ADD),
    ("memory_bomb_single", "x = bytearray(8 * 2**30)\nprint(3)", ADD),
    ("infinite_loop", "while True:\n    pass", ADD),
    ("sleep_past_deadline", "import time\ntime.sleep(30)\nprint(3)", ADD),
    (
        "ignore_sigterm",
        "import signal, time\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)",
        ADD,
    ),
    ("huge_stdout", "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", ADD),
    (
        "fill_disk",
        "import os\nfor d in ('.', '/tmp', '/var/tmp', '/dev/shm'):\n    for i in range(40):\n        try:\n"
        "            with open(os.path.join(d, f'fill{i}'), 'wb') as f:\n"
        "                for _ in range(15):\n                    f.write(b'0' * 2**20)\n"
        "        except (OSError, MemoryError):\n            break\n",
        ADD,
    ),
    (
        "read_env",
        "import os\nprint(os.environ.get('REWARD_SERVER_SECRET_TEST', ''))",
        {"tests": [{"input": "", "output": SECRET}]},
    ),
    (
        "read_proc_environ",
        "import os\nout=''\nfor pid in ('self', '1', str(os.getppid()), '%d'):\n"
        "    try:\n        out += open(f'/proc/{pid}/environ').read()\n    except OSError:\n        pass\n"
        "print('%s' if '%s' in out else out[:100])" % (SERVICE_PID, SECRET, SECRET),
        {"tests": [{"input": "", "output": SECRET}]},
    ),
    (
        "read_file_outside_scratch",
        f"print(open({__file__!r}).read().split(chr(10))[0])",
        {"tests": [{"input": "", "output": FIRST_LINE}]},
    ),
    (
        "connect_service_port",
        f"import socket\ns=socket.create_connection(('127.0.0.1', {PORT}), timeout=0.5)\nprint(s.recv(100).decode().strip())",
        {"tests": [{"input": "", "output": SECRET}]},
    ),
    (
        "kill_parent",
        f"import os, signal\nfor pid in (os.getppid(), {SERVICE_PID}, 1, -1):\n"
        "    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass\nprint(3)",
        {"tests": [{"input": "1 2", "output": "never"}]},
    ),
    (
        "daemon_outlives_run",
        "import os, time\nif os.fork() == 0:\n    try:\n        os.setsid()\n    except OSError:\n        pass\n"
        "    if os.fork() == 0:\n        os.close(1); os.close(2)\n        time.sleep(120)\n    os._exit(0)\nprint(4)",
        ADD,
    ),
    ("sys_exit_before_output", "import sys\nsys.exit(0)\nprint(3)", ADD),
    ("os_exit_before_output", "import os\nos._exit(0)", ADD),
    ("raise_systemexit", "raise SystemExit", ADD),
]

CALL = {"inputs": [[1, 2], [5, 5]], "outputs": [[3], [10]], "fn_name": "add"}
ASSERTS = {"asserts": ["assert add(1, 2) == 3", "assert add(5, 5) == 10"]}
CHECK = {"test": "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(5, 5) == 10\n", "entry_point": "add"}
ALWAYS_EQUAL = "class AlwaysEqual:\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n"
INT_EQUAL = "class Liar(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
FRAMES = (
    "import sys, gc\ndef add(a, b):\n    f = sys._getframe()\n    while f is not None:\n"
    "        for k, v in f.f_locals.items():\n"
    "            if 'expect' in k or 'output' in k or k in ('want', 'y'):\n                return v\n"
    "        f = f.f_back\n"
    "    for o in gc.get_objects():\n        if isinstance(o, dict) and 'expected' in o:\n            return o['expected']\n"
    "    return None\n"
)
PATCH_BUILTINS = (
    "import builtins\nclass _T:\n    def __eq__(self, o): return True\nbuiltins.AssertionError = type('X', (Exception,), {})\n"
    "builtins.isinstance = lambda *a: True\nimport json\njson.dumps = lambda *a, **k: '\"__eq__\"'\n"
    "def add(a, b):\n    return _T()\n"
)
PYTEST_EXIT = "import pytest\npytest.exit('done', returncode=0)\ndef add(a, b):\n    return 0\n"

FAKE_PASS_CODES = {
    "sys_exit": "import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b\n",
    "os_exit": "import os\nos._exit(0)\ndef add(a, b):\n    return a + b\n",
    "raise_systemexit": "def add(a, b):\n    raise SystemExit(0)\n",
    "always_equal": ALWAYS_EQUAL + "def add(a, b):\n    return AlwaysEqual()\n",
    "int_subclass_equal": INT_EQUAL + "def add(a, b):\n    return Liar(0)\n",
    "stack_frames": FRAMES,
    "patch_builtins": PATCH_BUILTINS,
    "pytest_exit": PYTEST_EXIT,
}


def _items() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, code, ref in STDIO_ATTACKS:
        yield name, {"completion": fence(code), "reference": ref, "task": "code", "params": FAST}
    for trick, code in FAKE_PASS_CODES.items():
        for fmt, ref in (("call", CALL), ("asserts", ASSERTS), ("check", CHECK)):
            yield f"{trick}[{fmt}]", {"completion": fence(code), "reference": ref, "task": "code", "params": FAST}
    yield "cpp_fork_bomb", {
        "completion": fence("#include <unistd.h>\nint main(){while(1) fork();}", "cpp"),
        "reference": ADD,
        "task": "code",
        "params": FAST,
    }
    yield "js_infinite_loop", {
        "completion": fence("while(true){}", "javascript"),
        "reference": ADD,
        "task": "code",
        "params": FAST,
    }


ATTACKS = list(_items())


def _sandbox_uid_processes(base: int = 61000, n: int = 64) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            st = os.stat(f"/proc/{entry}")
        except OSError:
            continue
        if base <= st.st_uid < base + n:
            found.append(entry)
    return found


def _sandbox_uid_files(base: int = 61000, n: int = 64) -> list[str]:
    found = []
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        for entry in os.scandir(d):
            try:
                if base <= entry.stat(follow_symlinks=False).st_uid < base + n:
                    found.append(entry.path)
            except OSError:
                pass
    return found


async def test_attack_suite(any_score: Scorer, sandbox: Any) -> None:
    score = any_score
    results = await score([item for _, item in ATTACKS])
    failures = []
    for (name, _), r in zip(ATTACKS, results):
        if r["score"] != 0.0 or not r["reason"] or r["status"] not in ("ok", "no_code"):
            failures.append((name, r))
        assert SECRET not in json.dumps(r), name
    assert not failures, failures
    assert not PORT_HIT.is_set(), "a sandboxed program reached a host TCP port"

    # Still healthy and serving correct code.
    good = await score([{"completion": fence("a, b = map(int, input().split())\nprint(a + b)"), "reference": ADD}])
    assert good[0]["score"] == 1.0, good
    assert _sandbox_uid_processes() == []
    assert _sandbox_uid_files() == []
    assert sandbox.leftovers() == []


@pytest.mark.parametrize("name", [n for n, _ in ATTACKS if n in ("fork_bomb", "infinite_loop", "kill_parent")])
async def test_attack_reasons(score: Scorer, name: str) -> None:
    item = dict(ATTACKS)[name]
    (r,) = await score([item])
    expected = {"fork_bomb": ("timeout", "runtime_error"), "infinite_loop": ("timeout",), "kill_parent": ("wrong_answer",)}
    assert r["details"]["first_failure"]["verdict"] in expected[name], r
