"""Symbolic comparison with math-verify, run in a killable worker process.

Everything in here may take unbounded time or memory on hostile input (``9^{9^{9^{9}}}``,
``\\frac`` nested 60 deep), so it is only ever called under a hard deadline by the worker
pool. math-verify's own ``signal.alarm`` timeouts are switched off (they break off the
main thread and fail silently on fractions of a second); the pool's kill replaces them.

On top of math-verify:

* answers are handed over with explicit delimiters, so bare LaTeX parses as LaTeX;
* the imaginary unit: after parsing, every free symbol named ``i`` becomes ``sympy.I`` on
  both sides (math-verify builds ``i`` with different assumptions depending on white space,
  so ``4+8i`` ≠ ``4 + 8 i`` there);
* nothing here stringifies a parsed sympy object (that alone can hang).
"""

from __future__ import annotations

import functools
import logging
import sys
from typing import Any

from verifiers.math.forms import explicit_products
from verifiers.math.normalize import repeating_to_fraction
from verifiers.types import Score, Status

__all__ = ["parse_answer", "symbolic_verdict", "to_parseable", "warm_up"]

logging.getLogger("math_verify").setLevel(logging.ERROR)

# Python refuses int() of more than 4,300 digits, and math-verify then parses nothing: a
# 5,000-digit reference became ``invalid_reference``. Our own size limit bounds the length
# (MAX_ANSWER_CHARS); this module runs in the pool's workers, where the setting is global.
_INT_DIGITS = 25_000
if hasattr(sys, "set_int_max_str_digits") and 0 < sys.get_int_max_str_digits() < _INT_DIGITS:
    sys.set_int_max_str_digits(_INT_DIGITS)

_DELIM_MARKERS = ("$", "\\(", "\\[", "\\boxed", "\\fbox")


def to_parseable(text: str) -> str:
    """Give math-verify explicit delimiters: it only sees LaTeX inside them."""
    s = explicit_products(repeating_to_fraction(text.strip()))
    if any(marker in s for marker in _DELIM_MARKERS):
        return s
    return f"${s}$"


@functools.lru_cache(maxsize=1)
def _configs() -> tuple[Any, ...]:
    from math_verify import ExprExtractionConfig, LatexExtractionConfig

    return (LatexExtractionConfig(), ExprExtractionConfig())


def _with_imaginary_unit(values: list[Any]) -> list[Any]:
    import sympy

    out = []
    for v in values:
        if isinstance(v, sympy.Basic):
            unit = [s for s in v.free_symbols if getattr(s, "name", None) == "i"]
            if unit:
                v = v.subs({s: sympy.I for s in unit})
        out.append(v)
    return out


def parse_answer(text: str) -> list[Any]:
    from math_verify import parse

    parsed = parse(to_parseable(text), list(_configs()), parsing_timeout=None)  # type: ignore[arg-type]
    return _with_imaginary_unit(parsed)


@functools.lru_cache(maxsize=4096)
def _parse_reference(text: str) -> tuple[Any, ...]:
    return tuple(parse_answer(text))


def symbolic_verdict(
    gold: str,
    pred: str,
    float_rounding: int = 6,
    strict: bool = True,
    allow_set_relation_comp: bool = False,
) -> Score:
    """Compare ``pred`` with ``gold`` using math-verify; a Score for the accuracy component."""
    from math_verify import verify

    gold_parsed = list(_parse_reference(gold))
    if not gold_parsed:
        return Score(None, Status.INVALID_REFERENCE, "the reference could not be parsed")
    pred_parsed = parse_answer(pred)
    if not pred_parsed:
        return Score(0.0, Status.OK, "the answer could not be parsed as math")
    same = verify(
        gold_parsed,
        pred_parsed,
        float_rounding=float_rounding,
        strict=strict,
        allow_set_relation_comp=allow_set_relation_comp,
        timeout_seconds=None,
    )
    return Score(1.0 if same else 0.0, Status.OK, "equivalent" if same else "not equivalent")


_WARM_UP = (
    ("x^2 - 6x + 5", "(x - 5)(x - 1)"),
    ("4\\sqrt{5}", "\\sqrt{80}"),
    ("\\frac{19\\pi}{12}", "\\frac{19}{12}\\pi"),
    ("(1, 2]", "x \\in (1, 2]"),
    ("\\begin{pmatrix}1 & 2\\\\ 3 & 4\\end{pmatrix}", "\\begin{pmatrix}1 & 2\\\\ 3 & 5\\end{pmatrix}"),
)


def warm_up() -> None:
    """Exercise the parser and comparer once, so a worker's first real job is not the slow one."""
    for gold, pred in _WARM_UP:
        symbolic_verdict(gold, pred)
    _parse_reference.cache_clear()
