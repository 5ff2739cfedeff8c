"""``code_accuracy``: the fraction of a dataset's tests that the completion's code passes.

The component owns only the glue: read the reference, find the code, let
:mod:`verifiers.code.harness` run and judge it on the injected backend, and map every
outcome to a :class:`~verifiers.types.Score`. Failures are kept apart by status: the
model's (``no_code``, wrong answers, crashes: a real score) and ours (a broken reference or
a sandbox that could not run the code: ``score=None``), so a sandbox outage never becomes a
zero reward.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, ClassVar

from verifiers.code.extract import extract_code
from verifiers.code.harness import Limits, Verdict, run_suite
from verifiers.code.languages import LANGUAGES, canonical
from verifiers.code.references import InvalidReference, parse_reference
from verifiers.code.sandbox.base import SandboxBackend, SandboxError
from verifiers.types import Sample, Score, Status

__all__ = ["CodeAccuracy", "CodeTaskAccuracy", "CodeConfig"]

MODES = ("fraction", "all_or_nothing")


@dataclass(frozen=True)
class CodeConfig:
    """Per-request parameters of ``code_accuracy``.

    ``mode``: ``fraction`` (share of tests passed) or ``all_or_nothing`` (1 only when all
    pass; stops at the first failure). ``language`` overrides ``reference.language`` and the
    fence tag. Timeouts are per test run (and per compile); ``memory_mb`` is the address
    space of one run; ``float_tolerance`` lets numeric stdout tokens and returned floats
    differ by that much (absolute or relative). ``check_timeout`` bounds a whole
    assert/human-eval suite, proxied calls included.
    """

    mode: str = "fraction"
    language: str | None = None
    run_timeout: float = 5.0
    compile_timeout: float = 15.0
    memory_mb: int = 512
    float_tolerance: float | None = None
    stop_on_first_failure: bool = False
    output_limit_kb: int = 1024
    check_timeout: float = 60.0
    max_code_chars: int = 100_000

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        if self.language is not None and canonical(self.language) is None:
            raise ValueError(f"language must be one of {sorted(LANGUAGES)}")
        for name, lo, hi in (
            ("run_timeout", 0.01, 120.0),
            ("compile_timeout", 0.1, 120.0),
            ("check_timeout", 0.1, 600.0),
        ):
            if not lo <= float(getattr(self, name)) <= hi:
                raise ValueError(f"{name} must be within [{lo}, {hi}]")
        if not 16 <= int(self.memory_mb) <= 16384:
            raise ValueError("memory_mb must be within [16, 16384]")
        if self.float_tolerance is not None and not 0 <= self.float_tolerance < 1:
            raise ValueError("float_tolerance must be within [0, 1)")
        if not 1 <= int(self.output_limit_kb) <= 65536:
            raise ValueError("output_limit_kb must be within [1, 65536]")

    def limits(self) -> Limits:
        return Limits(
            run_timeout=float(self.run_timeout),
            compile_timeout=float(self.compile_timeout),
            memory_mb=int(self.memory_mb),
            output_limit=int(self.output_limit_kb) * 1024,
            float_tolerance=self.float_tolerance,
            stop_on_first_failure=self.stop_on_first_failure or self.mode == "all_or_nothing",
            check_timeout=float(self.check_timeout),
        )


class CodeAccuracy:
    """Async component: scores ``task == "code"`` items by running their tests."""

    name: ClassVar[str] = "code_accuracy"
    task: ClassVar[str] = "code"
    config_type: ClassVar[type] = CodeConfig
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(self, backend: SandboxBackend) -> None:
        self.backend = backend

    async def aevaluate(self, sample: Sample, config: CodeConfig) -> Score:
        try:
            suite = parse_reference(sample.reference)
        except InvalidReference as e:
            return Score(None, Status.INVALID_REFERENCE, f"invalid_reference: {e}")
        wanted = canonical(config.language) or suite.language
        found = extract_code(sample.completion, wanted, sample.prompt_opens_think)
        if found is None:
            return Score(0.0, Status.NO_CODE, "no_code", {"language": wanted})
        lang, code = found
        if len(code) > config.max_code_chars:
            return Score(0.0, Status.TOO_LARGE, "code_too_large", {"language": lang, "chars": len(code)})
        compiled = bool(LANGUAGES[lang].compile_argv)
        try:
            verdicts = await run_suite(self.backend, suite, lang, code, config.limits(), compiled)
        except InvalidReference as e:
            return Score(None, Status.INVALID_REFERENCE, f"invalid_reference: {e}", {"language": lang})
        except SandboxError as e:
            return Score(None, Status.SANDBOX_ERROR, "sandbox_error", {"language": lang, "error": str(e)[:300]})
        return _score(verdicts, lang, config.mode)


class CodeTaskAccuracy(CodeAccuracy):
    """The same component registered as ``accuracy`` for ``task == "code"`` items, next to
    math's ``accuracy``: one reward name, one verifier per task."""

    name: ClassVar[str] = "accuracy"


def _score(verdicts: list[Verdict], lang: str, mode: str) -> Score:
    total = len(verdicts)
    passed = sum(v.passed for v in verdicts)
    details: dict[str, Any] = {
        "language": lang,
        "passed": passed,
        "total": total,
        "verdicts": dict(Counter(v.name for v in verdicts)),
    }
    first = next((i for i, v in enumerate(verdicts) if not v.passed), None)
    if first is None:
        return Score(1.0, Status.OK, "", details)
    failure = verdicts[first]
    details["first_failure"] = {"test": first + 1, "verdict": failure.name, "detail": failure.detail}
    if failure.name in ("compile_error", "compile_timeout"):
        reason = failure.name
    else:
        reason = f"{failure.name} on test {first + 1}"
    score = passed / total if mode == "fraction" else 0.0
    return Score(score, Status.OK, reason, details)
