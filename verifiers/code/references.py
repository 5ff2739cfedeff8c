"""Reading a dataset's test description into one :class:`TestSuite`.

Formats accepted (as an object or as the JSON string datasets store):

* ``{"tests": [{"input", "output"}]}`` and open-r1's ``{"language", "test_cases": [{"input",
  "output", "type": "stdin_stdout"}]}`` - stdin/stdout;
* APPS/TACO/verl ``{"inputs": [...], "outputs": [...], "fn_name"?}`` (also wrapped as
  ``{"input_output": "..."}``) - stdin/stdout, or calls of ``fn_name`` (a function or a
  ``class Solution`` method) with arguments given as a list or one JSON value per line;
* ``{"asserts": [...]}``, verl's ``{"assert_case": [...]}`` or a bare list of assert strings;
* human-eval ``{"test": "def check(candidate): ...", "entry_point": "name"}``.

Anything else raises :class:`InvalidReference`, which the component reports as
``invalid_reference`` with ``score=None`` (our input is broken, not the model's answer).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from verifiers.code.languages import canonical

__all__ = ["InvalidReference", "StdioTest", "CallTest", "TestSuite", "parse_reference"]

MAX_TESTS = 10_000


class InvalidReference(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class StdioTest:
    input: str
    output: str


@dataclass(frozen=True, slots=True)
class CallTest:
    args: tuple[Any, ...]
    # Acceptable return values: the expected one, and for APPS' ``[expected]`` wrapping
    # also the unwrapped one.
    expected: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class TestSuite:
    kind: Literal["stdio", "call", "asserts", "check"]
    tests: tuple[Any, ...] = ()
    language: str | None = None
    fn_name: str | None = None
    check: str = ""
    entry_point: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return 1 if self.kind == "check" else len(self.tests)


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return "\n".join(value)
    raise InvalidReference(f"{what} must be a string")


def _loads(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise InvalidReference("reference is not valid JSON") from None
    return value


def _call_args(raw: Any) -> tuple[Any, ...]:
    if isinstance(raw, list):
        return tuple(raw)
    if isinstance(raw, str):
        args = []
        for line in raw.split("\n"):
            if line.strip():
                try:
                    args.append(json.loads(line))
                except ValueError:
                    raise InvalidReference(f"call input line is not JSON: {line[:80]!r}") from None
        return tuple(args)
    return (raw,)


def _call_expected(raw: Any) -> tuple[Any, ...]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return (raw,)
    if isinstance(raw, list) and len(raw) == 1:
        return (raw, raw[0])
    return (raw,)


def _io_lists(ref: dict[str, Any]) -> TestSuite:
    inputs, outputs = ref.get("inputs"), ref.get("outputs")
    if not isinstance(inputs, list) or not isinstance(outputs, list) or len(inputs) != len(outputs):
        raise InvalidReference("inputs/outputs must be lists of equal length")
    fn = ref.get("fn_name") or ref.get("func_name")
    lang = canonical(ref.get("language"))
    if fn:
        if not isinstance(fn, str) or not fn.isidentifier():
            raise InvalidReference("fn_name must be an identifier")
        calls = tuple(CallTest(_call_args(i), _call_expected(o)) for i, o in zip(inputs, outputs))
        return TestSuite("call", calls, lang, fn_name=fn)
    stdio = tuple(StdioTest(_text(i, "input"), _text(o, "output")) for i, o in zip(inputs, outputs))
    return TestSuite("stdio", stdio, lang)


def _asserts(items: Any) -> TestSuite:
    if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
        raise InvalidReference("asserts must be a list of strings")
    return TestSuite("asserts", tuple(items))


def parse_reference(reference: Any) -> TestSuite:
    ref = _loads(reference)
    if isinstance(ref, list):
        suite = _asserts(ref)
    elif not isinstance(ref, dict):
        raise InvalidReference("reference must be an object")
    elif "input_output" in ref:
        inner = _loads(ref["input_output"])
        if not isinstance(inner, dict):
            raise InvalidReference("input_output must be an object")
        suite = _io_lists({**inner, "language": ref.get("language", inner.get("language"))})
    elif "tests" in ref and isinstance(ref["tests"], list):
        tests = []
        for t in ref["tests"]:
            if not isinstance(t, dict) or "input" not in t or "output" not in t:
                raise InvalidReference("each test needs input and output")
            tests.append(StdioTest(_text(t["input"], "input"), _text(t["output"], "output")))
        suite = TestSuite("stdio", tuple(tests), canonical(ref.get("language")))
    elif "test_cases" in ref:
        cases = ref["test_cases"]
        if not isinstance(cases, list):
            raise InvalidReference("test_cases must be a list")
        tests = []
        for t in cases:
            if not isinstance(t, dict) or t.get("type", "stdin_stdout") != "stdin_stdout":
                raise InvalidReference("only stdin_stdout test cases are supported")
            tests.append(StdioTest(_text(t.get("input", ""), "input"), _text(t.get("output", ""), "output")))
        suite = TestSuite("stdio", tuple(tests), canonical(ref.get("language")))
    elif "inputs" in ref and "outputs" in ref:
        suite = _io_lists(ref)
    elif "asserts" in ref or "assert_case" in ref:
        suite = _asserts(ref.get("asserts", ref.get("assert_case")))
        suite = TestSuite("asserts", suite.tests, canonical(ref.get("language")), check=ref.get("setup", ""))
    elif "test" in ref and "entry_point" in ref:
        test, entry = ref["test"], ref["entry_point"]
        if not isinstance(test, str) or not isinstance(entry, str) or not entry.isidentifier():
            raise InvalidReference("test must be code and entry_point an identifier")
        suite = TestSuite("check", (), canonical(ref.get("language")), check=test, entry_point=entry)
    else:
        raise InvalidReference("unrecognised reference format")
    if suite.kind != "check" and not suite.tests:
        raise InvalidReference("reference has no tests")
    if len(suite.tests) > MAX_TESTS:
        raise InvalidReference(f"more than {MAX_TESTS} tests")
    return suite
