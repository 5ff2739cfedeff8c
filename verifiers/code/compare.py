"""Judging outputs against expectations, in the service process.

Both inputs are plain data the candidate cannot shape into a fake pass: stdout is text,
return values come from :func:`verifiers.code.sandbox.plaindata.decode`, which builds only
exact builtin types. Comparisons check types too (``True`` is not ``1``; a list is not a
tuple), so "return something that compares equal to everything" has nothing to stand on.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["stdout_matches", "values_equal"]


def _lines(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _close(a: str, b: str, tol: float) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if math.isnan(x) or math.isnan(y):
        return False
    return math.isclose(x, y, rel_tol=tol, abs_tol=tol)


def stdout_matches(got: str, expected: str, float_tolerance: float | None = None) -> tuple[bool, str]:
    """Every line must match (no ``zip``: missing or extra lines fail); trailing
    whitespace and trailing blank lines are ignored. With a tolerance, tokens that both
    parse as numbers may differ by it (absolute or relative)."""
    g, e = _lines(got), _lines(expected)
    if len(g) != len(e):
        return False, f"expected {len(e)} lines, got {len(g)}"
    for i, (a, b) in enumerate(zip(g, e)):
        if a == b:
            continue
        if float_tolerance is not None:
            ta, tb = a.split(), b.split()
            if len(ta) == len(tb) and all(x == y or _close(x, y, float_tolerance) for x, y in zip(ta, tb)):
                continue
        return False, f"line {i + 1} differs"
    return True, ""


def values_equal(got: Any, expected: Any, float_tolerance: float | None = None) -> bool:
    """Structural equality with type checks; ints and floats compare numerically."""
    tg, te = type(got), type(expected)
    if te is bool or tg is bool:
        return tg is te and got == expected
    if te in (int, float) and tg in (int, float):
        if te is float or tg is float:
            if math.isnan(got) or math.isnan(expected):
                return False
            tol = float_tolerance if float_tolerance is not None else 1e-9
            return math.isclose(got, expected, rel_tol=tol, abs_tol=tol)
        return got == expected
    if te in (list, tuple) and tg in (list, tuple):
        # JSON datasets cannot express tuples: an expected list accepts a tuple.
        if te is tuple and tg is not tuple:
            return False
        return len(got) == len(expected) and all(
            values_equal(a, b, float_tolerance) for a, b in zip(got, expected)
        )
    if te is dict and tg is dict:
        return got.keys() == expected.keys() and all(
            values_equal(got[k], expected[k], float_tolerance) for k in expected
        )
    if te is not tg:
        return False
    return bool(got == expected)
