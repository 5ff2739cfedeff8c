"""Shared pieces of the batch generator: the :class:`Problem` record and LaTeX writers.

Why a module of its own: every answer-kind builder (numeric, structured, algebra) writes
LaTeX the same way and filters its near misses by value with :func:`distinct`, so a
spelling rule lives in one place.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = [
    "NOT_SQUARES",
    "Problem",
    "Reference",
    "complex_tex",
    "decimal",
    "distinct",
    "frac",
    "interval_tex",
    "linear",
    "matrix_tex",
    "pi_frac",
    "problem_by_value",
    "poly",
    "signed",
    "sqrt_tex",
    "store",
    "thousands",
    "times_tex",
    "value_key",
    "value_of_frac",
]

Reference = str | int | float


@dataclass(frozen=True)
class Problem:
    """One prompt's answer space.

    ``correct`` are spellings equal to the gold (the first is the one a policy writes most);
    ``wrong`` are near misses that differ from it. ``forbidden`` are numeric values the
    reasoning text must not show, so only the final answer (or a deliberate trap) can
    carry the gold.
    """

    kind: str
    question: str
    gold: str
    reference: Reference
    correct: tuple[str, ...]
    wrong: tuple[str, ...]
    forbidden: frozenset[Fraction]


# --------------------------------------------------------------------------- formatting


def frac(v: Fraction, cmd: str = "\\frac") -> str:
    """LaTeX of a rational, sign in front (``-\\frac{3}{4}``), integers plain."""
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return f"{sign}{cmd}{{{abs(v.numerator)}}}{{{v.denominator}}}"


def decimal(v: Fraction) -> str:
    """Exact decimal of a rational whose denominator has only factors 2 and 5."""
    sign = "-" if v < 0 else ""
    v = abs(v)
    places = 0
    while (v * 10**places).denominator != 1:
        places += 1
    digits = str((v * 10**places).numerator).rjust(places + 1, "0")
    if places == 0:
        return sign + digits
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def thousands(n: int, sep: str = ",") -> str:
    return f"{n:,}".replace(",", sep)


def signed(c: int, first: bool = False) -> str:
    """A constant term with its sign: ``+ 3`` / ``- 3`` (or ``3`` / ``-3`` when first)."""
    if first:
        return str(c)
    return f"+ {c}" if c >= 0 else f"- {-c}"


def linear(a: int) -> str:
    return f"(x {signed(a)})"


def poly(coeffs: Sequence[int]) -> str:
    """``x^2 + 5x + 6`` from [1, 5, 6] (highest degree first), zero terms left out."""
    deg = len(coeffs) - 1
    out: list[str] = []
    for i, c in enumerate(coeffs):
        p = deg - i
        if c == 0:
            continue
        mono = "" if p == 0 else ("x" if p == 1 else f"x^{p}")
        mag = abs(c)
        body = f"{mag}{mono}" if (mag != 1 or p == 0) else mono
        if not out:
            out.append(("-" if c < 0 else "") + body)
        else:
            out.append(("- " if c < 0 else "+ ") + body)
    return " ".join(out) if out else "0"


def pi_frac(v: Fraction) -> str:
    p, q = v.numerator, v.denominator
    top = "\\pi" if p == 1 else f"{p}\\pi"
    return top if q == 1 else f"\\frac{{{top}}}{{{q}}}"


def complex_tex(re_: int, im: int) -> str:
    if im == 1:
        imag = "i"
    elif im == -1:
        imag = "-i"
    else:
        imag = f"{im}i"
    if re_ == 0:
        return imag
    return f"{re_} + {imag}" if im > 0 else f"{re_} - {imag[1:]}"


def matrix_tex(m: Sequence[Sequence[int]], env: str = "pmatrix", compact: bool = False) -> str:
    sep, row = ("&", "\\\\") if compact else (" & ", " \\\\ ")
    body = row.join(sep.join(str(x) for x in r) for r in m)
    pad = "" if compact else " "
    return f"\\begin{{{env}}}{pad}{body}{pad}\\end{{{env}}}"


def interval_tex(lo: int | None, hi: int | None, lc: bool, rc: bool, space: str = " ", lr: bool = False) -> str:
    left = "-\\infty" if lo is None else str(lo)
    right = "\\infty" if hi is None else str(hi)
    lb, rb = ("[" if lc else "("), ("]" if rc else ")")
    if lr:
        lb, rb = "\\left" + lb, "\\right" + rb
    return f"{lb}{left},{space}{right}{rb}"


def distinct(candidates: Sequence[str], gold_key: object, key: Callable[[str], object]) -> tuple[str, ...]:
    """Near misses whose value differs from the gold's, duplicates dropped, order kept.

    This is the guard that keeps "wrong" labels true: a candidate built by a rule that
    happens to hit the gold (reversing the digits of 121) is dropped, not mislabelled.
    """
    seen: set[object] = set()
    out: list[str] = []
    for c in candidates:
        k = key(c)
        if k == gold_key or k in seen:
            continue
        seen.add(k)
        out.append(c)
    return tuple(out)


def store(rng: random.Random, latex: str, number: float | None = None, gsm8k: bool = False) -> Reference:
    """The gold as a data set stores it: mostly bare LaTeX, sometimes wrapped or a number."""
    forms: list[str] = ["bare"] * 6 + ["dollar"] * 2 + ["boxed"]
    if number is not None:
        forms += ["number"] * 3
    if gsm8k:
        forms += ["gsm8k"] * 3
    form = rng.choice(forms)
    if form == "dollar":
        return f"${latex}$"
    if form == "boxed":
        return f"\\boxed{{{latex}}}"
    if form == "number":
        assert number is not None
        return number
    if form == "gsm8k":
        return f"#### {latex}"
    return latex



def value_of_frac(s: str) -> Fraction:
    """Value of the spellings this module writes for rationals (``-\\frac{3}{4}``, ``3/4``, ``0.75``)."""
    neg = s.startswith("-")
    body = s.lstrip("-")
    m = re.fullmatch(r"\\[dt]?frac\{?(\d+)\}?\{?(\d+)\}?", body)
    if m:
        v = Fraction(int(m.group(1)), int(m.group(2)))
    elif "/" in body:
        a, b = body.split("/")
        v = Fraction(int(a), int(b))
    else:
        v = Fraction(body)
    return -v if neg else v


# --------------------------------------------------------------------------- for the algebra kinds

NOT_SQUARES = (2, 3, 5, 6, 7, 10, 11)


def value_key(v: float) -> float:
    """The value key of a real: rounded, so equal values written two ways compare equal."""
    return round(v, 9)


def sqrt_tex(b: int) -> str:
    return f"\\sqrt{{{b}}}"


def times_tex(c: int, body: str) -> str:
    """``c`` times ``body`` as written: ``\\sqrt{3}``, ``-\\sqrt{3}``, ``2\\sqrt{3}``."""
    if c == 1:
        return body
    if c == -1:
        return "-" + body
    return f"{c}{body}"


def problem_by_value(
    kind: str,
    question: str,
    gold: str,
    reference: str,
    correct: Sequence[str],
    cands: dict[str, object],
    gold_key: object,
) -> Problem:
    """A problem whose near misses ``cands`` (spelling → value key) are filtered against ``gold_key``."""
    return Problem(
        kind=kind,
        question=question,
        gold=gold,
        reference=reference,
        correct=tuple(correct),
        wrong=distinct(list(cands), gold_key, cands.__getitem__),
        forbidden=frozenset(),
    )
