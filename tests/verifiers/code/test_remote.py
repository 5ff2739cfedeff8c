"""The Sandbox Fusion backend against a fake server: same judging, expected values stay here."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.verifiers.code.conftest import component_scorer, fence
from tests.verifiers.code.fake_fusion import make_fake_fusion
from verifiers.code import SandboxFusionBackend

ADD_PY = "a, b = map(int, input().split())\nprint(a + b)"
STDIO = {"tests": [{"input": "1 2", "output": "EXPECTED-3"}, {"input": "2 2", "output": "4"}]}


async def _backend(**kwargs: Any) -> tuple[SandboxFusionBackend, list[dict[str, Any]]]:
    app, seen = make_fake_fusion(**kwargs)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://fusion")
    backend = SandboxFusionBackend("http://fusion", client=client, concurrency=4)
    await backend.start()
    return backend, seen


async def test_formats_through_fusion() -> None:
    backend, seen = await _backend()
    score = component_scorer(backend)
    items = [
        {"completion": fence(ADD_PY), "reference": STDIO},
        {
            "completion": fence("class Solution:\n    def add(self, a: int, b: int) -> int:\n        return a + b"),
            "reference": {"inputs": ["1\n2", "5\n5"], "outputs": ["3", "11"], "fn_name": "add"},
        },
        {
            "completion": fence("def pair(a, b):\n    print('noise')\n    return (a, b)"),
            "reference": {"asserts": ["assert pair(1, 2) == (1, 2)"]},
        },
        {
            "completion": fence("#include <cstdio>\nint main(){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);}", "cpp"),
            "reference": {"tests": [{"input": "1 2", "output": "3"}]},
        },
        {"completion": fence("int main( {", "cpp"), "reference": {"tests": [{"input": "1 2", "output": "3"}]}},
        {"completion": fence("console.log(7)", "js"), "reference": {"tests": [{"input": "", "output": "7"}]}},
        {"completion": fence("import time\ntime.sleep(5)"), "reference": STDIO, "params": {"run_timeout": 0.3}},
        {
            "completion": fence("class A:\n    def __eq__(self, o):\n        return True\ndef add(a, b):\n    return A()"),
            "reference": {"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"},
        },
        {
            "completion": fence("import sys\nsys.exit(0)\ndef add(a, b):\n    return a + b"),
            "reference": {"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "add"},
        },
    ]
    results = await score(items)
    summary = [(r["score"], r["reason"]) for r in results]
    assert summary == [
        (0.5, "wrong_answer on test 1"),
        (0.5, "wrong_answer on test 2"),
        (1.0, ""),
        (1.0, ""),
        (0.0, "compile_error"),
        (1.0, ""),
        (0.0, "timeout on test 1"),
        (0.0, "runtime_error on test 1"),
        (0.0, "no_result on test 1"),
    ], results
    sent = json.dumps(seen)
    assert "EXPECTED-3" not in sent and '"11"' not in sent
    await backend.close()


async def test_fusion_sandbox_error_is_not_a_zero() -> None:
    backend, _ = await _backend(sandbox_error=True)
    (r,) = await component_scorer(backend)([{"completion": fence(ADD_PY), "reference": STDIO}])
    assert r["score"] is None and r["status"] == "sandbox_error"


async def test_fusion_unreachable_is_sandbox_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(refuse))
    backend = SandboxFusionBackend("http://nowhere", client=client)
    (r,) = await component_scorer(backend)([{"completion": fence(ADD_PY), "reference": STDIO}])
    assert r["score"] is None and r["status"] == "sandbox_error"
    assert backend.describe()["backend"] == "sandbox_fusion"
