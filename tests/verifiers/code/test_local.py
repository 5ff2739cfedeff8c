"""Every reference format and language on the real local sandbox, plus its failure modes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from typing import Any

import pytest

from tests.verifiers.code.conftest import Scorer, component_scorer, fence
from verifiers.code import CodeAccuracy, CodeConfig, LocalSandbox
from verifiers.code.sandbox.base import ExecRequest, RunInput, SandboxError
from verifiers.types import Sample, Status

pytestmark = pytest.mark.asyncio(loop_scope="session")

ADD_PY = "a, b = map(int, input().split())\nprint(a + b)"
ADD_CPP = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<\"\\n\";}"
ADD_JS = "const [a,b]=require('fs').readFileSync(0,'utf8').trim().split(/\\s+/).map(Number);console.log(a+b);"
STDIO = {"tests": [{"input": "1 2", "output": "3"}, {"input": "10 -3\n", "output": "7\n"}]}
TWO_SUM = (
    "class Solution:\n    def twoSum(self, nums: List[int], target: int) -> List[int]:\n        seen = {}\n"
    "        for i, x in enumerate(nums):\n            if target - x in seen:\n                return [seen[target - x], i]\n"
    "            seen[x] = i\n"
)

CASES: list[tuple[str, str, Any, float]] = [
    ("tests", fence(ADD_PY), STDIO, 1.0),
    (
        "open_r1",
        fence(ADD_PY),
        json.dumps({"language": "python", "test_cases": [{"input": "2 2", "output": "4", "type": "stdin_stdout"}]}),
        1.0,
    ),
    ("apps_stdio", fence(ADD_PY), json.dumps({"inputs": ["1 2\n", "3 4\n"], "outputs": ["3\n", "8\n"]}), 0.5),
    (
        "apps_fn",
        fence("def add(a, b):\n    return a + b"),
        {"input_output": json.dumps({"inputs": [[1, 2], [2, 2]], "outputs": [[3], [4]], "fn_name": "add"})},
        1.0,
    ),
    (
        "leetcode_class",
        fence(TWO_SUM),
        {"inputs": ["[2,7,11,15]\n9", "[3,2,4]\n6", "[3,3]\n6"], "outputs": ["[0,1]", "[1,2]", "[0,1]"], "fn_name": "twoSum"},
        1.0,
    ),
    ("asserts", fence("def add(a, b):\n    return a + b"), {"asserts": ["assert add(1, 2) == 3", "assert add(1, 1) == 3"]}, 0.5),
    (
        "verl_assert_case",
        fence("def pair(a, b):\n    return (a, b)"),
        {"assert_case": ["assert pair(1, 2) == (1, 2)", "assert pair('a', None) == ('a', None)"]},
        1.0,
    ),
    (
        "human_eval",
        fence("def inc(x):\n    return x + 1"),
        {"test": "METADATA = {}\n\ndef check(candidate):\n    assert candidate(1) == 2\n    assert candidate(-1) == 0\n", "entry_point": "inc"},
        1.0,
    ),
    (
        "human_eval_expects_raise",
        fence("def pos(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x"),
        {"test": "def check(candidate):\n    try:\n        candidate(-1)\n        assert False\n    except ValueError:\n        pass\n", "entry_point": "pos"},
        1.0,
    ),
    ("cpp", fence(ADD_CPP, "cpp"), {**STDIO, "language": "cpp"}, 1.0),
    ("cpp_by_fence", fence(ADD_CPP, "c++"), STDIO, 1.0),
    ("javascript", fence(ADD_JS, "javascript"), STDIO, 1.0),
    ("float_tolerance_off", fence("print(1/3)"), {"tests": [{"input": "", "output": "0.333333"}]}, 0.0),
]


@pytest.mark.parametrize(("name", "completion", "reference", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_formats_and_languages(any_score: Scorer, name: str, completion: str, reference: Any, expected: float) -> None:
    (r,) = await any_score([{"completion": completion, "reference": reference}])
    assert r["status"] == "ok", r
    assert r["score"] == pytest.approx(expected), r


async def test_float_tolerance(score: Scorer) -> None:
    item = {"completion": fence("print(1/3)"), "reference": {"tests": [{"input": "", "output": "0.333333"}]}}
    (r,) = await score([{**item, "params": {"float_tolerance": 1e-5}}])
    assert r["score"] == 1.0


@pytest.mark.parametrize(
    ("code", "lang", "verdict"),
    [
        ("print(1/0)", "python", "runtime_error"),
        ("def f(:\n  pass", "python", "compile_error"),
        ("int main( {", "cpp", "compile_error"),
        ("#include <cstdlib>\nint main(){abort();}", "cpp", "runtime_error"),
        ("process.exit(3)", "javascript", "runtime_error"),
        ("import time\ntime.sleep(5)", "python", "timeout"),
    ],
)
async def test_failure_verdicts(score: Scorer, code: str, lang: str, verdict: str) -> None:
    (r,) = await score([{"completion": fence(code, lang), "reference": STDIO, "params": {"run_timeout": 0.5}}])
    assert r["score"] == 0.0 and r["details"]["first_failure"]["verdict"] == verdict, r


async def test_describe_reports_layers(sandbox: LocalSandbox) -> None:
    d = sandbox.describe()
    assert d["backend"] == "local" and d["slots"] == 2
    layers = d["layers"]
    for key in ("uid", "rlimits", "seccomp", "landlock", "netns", "tmpfs_scratch", "disk_watch"):
        assert key in layers
    if os.geteuid() == 0:
        assert layers["uid"] is not None and "nproc" in layers["rlimits"]


async def test_executor_death_is_sandbox_error_then_recovers() -> None:
    sb = LocalSandbox(slots=1)
    await sb.start()
    try:
        comp = CodeAccuracy(sb)
        sample = Sample(completion=fence("import time\ntime.sleep(3)"), reference=STDIO, task="code")
        task = asyncio.ensure_future(comp.aevaluate(sample, CodeConfig()))
        await asyncio.sleep(0.3)
        zygote = sb._slots[0].proc
        assert zygote is not None
        os.kill(zygote.pid, signal.SIGKILL)
        s = await task
        assert s.score is None and s.status == Status.SANDBOX_ERROR
        ok = await comp.aevaluate(Sample(completion=fence(ADD_PY), reference=STDIO, task="code"), CodeConfig())
        assert ok.score == 1.0
    finally:
        await sb.close()


async def test_cancelled_caller_does_not_desync_slot() -> None:
    sb = LocalSandbox(slots=1)
    await sb.start()
    try:
        slow = ExecRequest("python", "import time\ntime.sleep(0.5)\nprint('slow')", (RunInput(),))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(sb.execute(slow), 0.1)
        fast = await sb.execute(ExecRequest("python", "print('fast')", (RunInput(),)))
        assert fast.runs[0].stdout == "fast\n"
    finally:
        await sb.close()
    with pytest.raises(SandboxError):
        await sb.execute(ExecRequest("python", "print(1)", (RunInput(),)))


async def test_docker_like_fallbacks() -> None:
    """Without namespaces (as in a default Docker container) the other layers still hold."""
    sb = LocalSandbox(slots=1, namespaces=False, scratch_mb=32)
    await sb.start()
    try:
        layers = sb.describe()["layers"]
        assert layers["netns"] is False and layers["disk_watch"] is True
        fill = "for i in range(100):\n    open(f'f{i}', 'wb').write(b'0' * 2**20)\nprint(3)"
        steal = "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=0.5)\nprint(3)"
        results = await component_scorer(sb)(
            [{"completion": fence(c), "reference": STDIO, "params": {"run_timeout": 2.0}} for c in (fill, steal, ADD_PY)]
        )
        assert [r["score"] for r in results] == [0.0, 0.0, 1.0], results
        assert results[0]["details"]["first_failure"]["verdict"] in ("disk_limit", "runtime_error")
        assert sb.leftovers() == []
    finally:
        await sb.close()
