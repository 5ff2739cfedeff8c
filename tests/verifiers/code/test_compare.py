"""Judging primitives: stdout comparison and typed value equality; the plain-data codec."""

from __future__ import annotations

import math
from typing import Any

import pytest

from verifiers.code.compare import stdout_matches, values_equal
from verifiers.code.sandbox import plaindata


@pytest.mark.parametrize(
    ("got", "expected", "tol", "ok"),
    [
        ("3\n", "3", None, True),
        ("3   \n\n\n", "3\n", None, True),
        ("1\r\n2\r\n", "1\n2", None, True),
        ("1\n2\n", "1\n", None, False),  # every line counts: no zip
        ("1\n", "1\n2\n", None, False),
        ("", "1", None, False),
        (" 3", "3", None, False),  # leading whitespace is significant
        ("0.3333333", "0.333333333", 1e-6, True),
        ("0.3333333", "0.333333333", None, False),
        ("1.0 2.0", "1 2.0000001", 1e-6, True),
        ("1.0 abc", "1 abd", 1e-6, False),
        ("nan", "nan", 1e-6, True),  # identical text is always fine
        ("nan", "1", 1e-6, False),
    ],
)
def test_stdout(got: str, expected: str, tol: float | None, ok: bool) -> None:
    assert stdout_matches(got, expected, tol)[0] is ok


@pytest.mark.parametrize(
    ("got", "expected", "ok"),
    [
        (3, 3, True),
        (3.0, 3, True),
        (True, 1, False),
        (1, True, False),
        (True, True, True),
        ([1, 2], [1, 2], True),
        ((1, 2), [1, 2], True),  # JSON cannot say tuple
        ([1, 2], (1, 2), False),
        ([1, 2], [1, 2, 3], False),
        ({"a": 1}, {"a": 1}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ("1", 1, False),
        (None, None, True),
        (None, 0, False),
        (0.1 + 0.2, 0.3, True),
        (math.nan, math.nan, False),
        ({1, 2}, {2, 1}, True),
    ],
)
def test_values(got: Any, expected: Any, ok: bool) -> None:
    assert values_equal(got, expected) is ok


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, "s", b"\x00b", 1 + 2j, [1, (2, 3)], {"k": {1, 2}}, frozenset({"a"}), {(1, 2): None}, math.inf],
)
def test_plaindata_roundtrip(value: Any) -> None:
    back = plaindata.loads(plaindata.dumps(value))
    assert back == value and type(back) is type(value)


def test_plaindata_refuses_objects_and_strips_subclasses() -> None:
    class Liar(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    assert type(plaindata.loads(plaindata.dumps(Liar(5)))) is int
    with pytest.raises(plaindata.EncodeError):
        plaindata.dumps(object())
    for bad in ('{"t": "object", "v": []}', '{"t": "tuple"}', "[", '{"t":"set","v":[[1]]}'):
        with pytest.raises(plaindata.DecodeError):
            plaindata.loads(bad)
