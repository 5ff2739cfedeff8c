"""A small stand-in for a Sandbox Fusion server: the subset of ``POST /run_code`` we use.

It really runs the code (trusted test programs only: no isolation here) so the remote
backend's program wrapping, stdin and status mapping are exercised end to end, and it
records every request so tests can check that no expected output ever leaves the service.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from typing import Any

from fastapi import FastAPI

__all__ = ["make_fake_fusion"]


def _run(argv: list[str], stdin: str, timeout: float, cwd: str) -> dict[str, Any]:
    try:
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return {"status": "TimeLimitExceeded", "execution_time": timeout, "return_code": None, "stdout": out, "stderr": ""}
    return {
        "status": "Finished",
        "execution_time": 0.01,
        "return_code": p.returncode,
        "stdout": p.stdout,
        "stderr": p.stderr,
    }


def make_fake_fusion(*, sandbox_error: bool = False) -> tuple[FastAPI, list[dict[str, Any]]]:
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.post("/run_code")
    def run_code(body: dict[str, Any]) -> dict[str, Any]:
        seen.append(body)
        if sandbox_error:
            return {"status": "SandboxError", "message": "no runner available", "compile_result": None, "run_result": None}
        lang, code, stdin = body["language"], body["code"], body.get("stdin") or ""
        with tempfile.TemporaryDirectory() as d:
            compile_result = None
            if lang == "python":
                argv = [sys.executable, "-c", code]
            elif lang == "nodejs":
                path = os.path.join(d, "main.js")
                open(path, "w").write(code)
                argv = ["node", path]
            elif lang == "cpp":
                path = os.path.join(d, "main.cpp")
                open(path, "w").write(code)
                compile_result = _run(["g++", "-O0", "-o", "main", path], "", body.get("compile_timeout", 10), d)
                if compile_result["return_code"] != 0:
                    return {"status": "Failed", "message": "", "compile_result": compile_result, "run_result": None}
                argv = [os.path.join(d, "main")]
            else:
                return {"status": "SandboxError", "message": f"unknown language {lang}"}
            run = _run(argv, stdin, float(body.get("run_timeout", 10)), d)
        ok = run["status"] == "Finished" and run["return_code"] == 0
        return {"status": "Success" if ok else "Failed", "message": "", "compile_result": compile_result, "run_result": run}

    return app, seen
