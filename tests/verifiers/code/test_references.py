"""Reference formats: every shape datasets use parses into the right kind of suite."""

from __future__ import annotations

import json
from typing import Any

import pytest

from verifiers.code.references import CallTest, InvalidReference, StdioTest, parse_reference


@pytest.mark.parametrize(
    ("reference", "kind", "first"),
    [
        ({"tests": [{"input": "1 2", "output": "3"}]}, "stdio", StdioTest("1 2", "3")),
        (
            {"language": "python", "test_cases": [{"input": "1", "output": "2", "type": "stdin_stdout"}]},
            "stdio",
            StdioTest("1", "2"),
        ),
        ({"inputs": ["1\n"], "outputs": ["2\n"]}, "stdio", StdioTest("1\n", "2\n")),
        ({"inputs": [["1", "2"]], "outputs": [["3"]]}, "stdio", StdioTest("1\n2", "3")),
        ({"input_output": json.dumps({"inputs": ["1"], "outputs": ["2"]})}, "stdio", StdioTest("1", "2")),
        ({"inputs": [[1, 2]], "outputs": [[3]], "fn_name": "f"}, "call", CallTest((1, 2), ([3], 3))),
        ({"inputs": ["[1,2]\n3"], "outputs": ["[4]"], "fn_name": "f"}, "call", CallTest(([1, 2], 3), ([4], 4))),
        ({"inputs": ['"ab"'], "outputs": ['"ba"'], "fn_name": "f"}, "call", CallTest(("ab",), ("ba",))),
        ({"inputs": ["5"], "outputs": ["true"], "fn_name": "f"}, "call", CallTest((5,), (True,))),
        ({"asserts": ["assert f(1) == 2"]}, "asserts", "assert f(1) == 2"),
        ({"assert_case": ["assert f(1) == 2"]}, "asserts", "assert f(1) == 2"),
        (["assert f(1) == 2"], "asserts", "assert f(1) == 2"),
    ],
)
def test_formats(reference: Any, kind: str, first: Any) -> None:
    for ref in (reference, json.dumps(reference)):
        suite = parse_reference(ref)
        assert suite.kind == kind
        assert suite.tests[0] == first


def test_human_eval() -> None:
    suite = parse_reference({"test": "def check(candidate):\n    assert candidate(1) == 2\n", "entry_point": "inc"})
    assert (suite.kind, suite.entry_point, len(suite)) == ("check", "inc", 1)


def test_language_is_read() -> None:
    suite = parse_reference({"language": "C++", "test_cases": [{"input": "", "output": "1"}]})
    assert suite.language == "cpp"


@pytest.mark.parametrize(
    "reference",
    [
        None,
        "not json",
        42,
        {},
        {"tests": []},
        {"tests": [{"input": "1"}]},
        {"inputs": ["1"], "outputs": []},
        {"inputs": ["x y"], "outputs": ["1"], "fn_name": "f"},
        {"inputs": ["1"], "outputs": ["1"], "fn_name": "not an identifier"},
        {"test_cases": [{"input": "1", "output": "1", "type": "function_call"}]},
        {"asserts": [1, 2]},
        {"test": "def check(c): pass", "entry_point": "1x"},
    ],
)
def test_invalid(reference: Any) -> None:
    with pytest.raises(InvalidReference):
        parse_reference(reference)
