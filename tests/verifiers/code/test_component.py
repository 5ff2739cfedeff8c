"""``code_accuracy`` on a scripted backend: status mapping, modes, config, requests sent."""

from __future__ import annotations

import pytest

from tests.verifiers.code.conftest import fence
from verifiers.code import CodeAccuracy, CodeConfig, FakeSandbox, make_backend
from verifiers.code.sandbox.base import ExecRequest, ExecResult, RunOutcome
from verifiers.registry import AsyncItemComponent, is_async
from verifiers.types import Sample, Status

REF = {"tests": [{"input": f"{i}", "output": f"{i}"} for i in range(4)]}
CODE = fence("print(input())")


def sample(completion: str = CODE, reference: object = REF) -> Sample:
    return Sample(completion=completion, reference=reference, task="code")


async def test_protocol() -> None:
    comp = CodeAccuracy(FakeSandbox())
    assert isinstance(comp, AsyncItemComponent) and is_async(comp)
    assert comp.name == "code_accuracy" and comp.requires == ()
    assert hash(CodeConfig()) == hash(CodeConfig())


async def test_echo_passes_and_expected_never_sent() -> None:
    fake = FakeSandbox(stdout=lambda run: run.stdin + "\n")
    s = await CodeAccuracy(fake).aevaluate(sample(reference={"tests": [{"input": "a", "output": "SECRET-EXPECTED"}]}), CodeConfig())
    assert s.score == 0.0 and s.reason == "wrong_answer on test 1"
    assert all("SECRET-EXPECTED" not in repr(r) for r in fake.requests)
    s = await CodeAccuracy(fake).aevaluate(sample(), CodeConfig())
    assert (s.score, s.status, s.reason) == (1.0, Status.OK, "")


async def test_fraction_and_all_or_nothing() -> None:
    fake = FakeSandbox(stdout=lambda run: run.stdin if run.stdin in ("0", "1", "3") else "x")
    s = await CodeAccuracy(fake).aevaluate(sample(), CodeConfig())
    assert s.score == 0.75 and s.reason == "wrong_answer on test 3"
    assert s.details["first_failure"] == {"test": 3, "verdict": "wrong_answer", "detail": "line 1 differs"}
    s = await CodeAccuracy(fake).aevaluate(sample(), CodeConfig(mode="all_or_nothing"))
    assert s.score == 0.0 and s.details["verdicts"] == {"passed": 2, "wrong_answer": 1, "not_run": 1}
    assert [len(r.runs) for r in fake.requests] == [4, 1, 2]


async def test_no_code_and_too_large() -> None:
    s = await CodeAccuracy(FakeSandbox()).aevaluate(sample("just prose"), CodeConfig())
    assert (s.score, s.status, s.reason) == (0.0, Status.NO_CODE, "no_code")
    s = await CodeAccuracy(FakeSandbox()).aevaluate(sample(fence("x" * 50)), CodeConfig(max_code_chars=10))
    assert (s.score, s.status) == (0.0, Status.TOO_LARGE)


async def test_sandbox_failure_is_not_a_wrong_answer() -> None:
    s = await CodeAccuracy(FakeSandbox(fail="executor died")).aevaluate(sample(), CodeConfig())
    assert s.score is None and s.status == Status.SANDBOX_ERROR
    check = {"test": "def check(c):\n    assert c(1) == 1\n", "entry_point": "f"}
    s = await CodeAccuracy(FakeSandbox(fail="down")).aevaluate(sample(fence("def f(x): return x"), check), CodeConfig())
    assert s.score is None and s.status == Status.SANDBOX_ERROR


async def test_invalid_reference() -> None:
    s = await CodeAccuracy(FakeSandbox()).aevaluate(sample(reference="{bad json"), CodeConfig())
    assert s.score is None and s.status == Status.INVALID_REFERENCE
    s = await CodeAccuracy(FakeSandbox()).aevaluate(
        sample(fence("int main(){}", "cpp"), {"inputs": [[1]], "outputs": [1], "fn_name": "f"}), CodeConfig()
    )
    assert s.score is None and s.status == Status.INVALID_REFERENCE


async def test_run_statuses_become_reasons() -> None:
    def script(req: ExecRequest) -> ExecResult:
        statuses = ["ok", "timeout", "memory", "runtime_error"]
        return ExecResult(runs=tuple(RunOutcome(st, 0 if st == "ok" else 1, stdout=r.stdin) for st, r in zip(statuses, req.runs)))

    s = await CodeAccuracy(FakeSandbox(script)).aevaluate(sample(), CodeConfig())
    assert s.score == 0.25 and s.details["verdicts"] == {"passed": 1, "timeout": 1, "memory": 1, "runtime_error": 1}

    def compile_error(req: ExecRequest) -> ExecResult:
        return ExecResult(runs=(), compile=RunOutcome("compile_error", 1, stderr="error: expected ';'"))

    s = await CodeAccuracy(FakeSandbox(compile_error)).aevaluate(sample(fence("int main(", "cpp")), CodeConfig())
    assert (s.score, s.reason) == (0.0, "compile_error") and "expected" in s.details["first_failure"]["detail"]


async def test_language_selection_and_limits_sent() -> None:
    fake = FakeSandbox()
    both = "```python\nprint(1)\n```\n```cpp\nint main(){}\n```\n"
    await CodeAccuracy(fake).aevaluate(sample(both), CodeConfig(language="python", run_timeout=2.5, memory_mb=256))
    req = fake.requests[-1]
    assert (req.language, req.timeout, req.memory_mb) == ("python", 2.5, 256)
    await CodeAccuracy(fake).aevaluate(sample(both, {**REF, "language": "cpp"}), CodeConfig())
    assert fake.requests[-1].language == "cpp" and len(fake.requests[-1].runs) == 4  # compiled once


@pytest.mark.parametrize(
    "kwargs",
    [{"mode": "best"}, {"language": "cobol"}, {"run_timeout": 0}, {"memory_mb": 1}, {"float_tolerance": 2.0}],
)
def test_config_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CodeConfig(**kwargs)  # type: ignore[arg-type]


def test_make_backend() -> None:
    assert make_backend("fake").describe()["backend"] == "fake"
    assert make_backend("local", slots=3).parallelism == 3
    assert make_backend("sandbox_fusion", url="http://sf:8080").describe()["backend"] == "sandbox_fusion"
    with pytest.raises(ValueError):
        make_backend("remote")
    with pytest.raises(ValueError):
        make_backend("docker")
