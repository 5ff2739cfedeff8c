"""Answer kinds with structure: radicals, multiples of pi, polynomials, intervals, tuples,
sets, matrices, complex numbers (integer entries; the algebra-heavy kinds are in
:mod:`.kinds_algebra`).
"""

from __future__ import annotations

import random
from fractions import Fraction
from math import gcd

from .base import Problem, complex_tex, distinct, interval_tex, linear, matrix_tex, pi_frac, poly, signed, store

__all__ = ["STRUCTURED_BUILDERS"]

_SQUAREFREE = (2, 3, 5, 6, 7, 10, 11, 13)


def _k_radical(rng: random.Random) -> Problem:
    b = rng.choice(_SQUAREFREE)
    a = rng.choice([a for a in range(2, 10) if a != b])

    def rad(c: int, r: int) -> str:
        return f"{c}\\sqrt{{{r}}}"

    gold = rad(a, b)
    # value key: the square (c^2 r); all candidates are positive.
    cand = {
        rad(b, a): b * b * a,
        rad(a + 1, b): (a + 1) ** 2 * b,
        rad(a, b + 1): a * a * (b + 1),
        rad(2 * a, b): 4 * a * a * b,
    }
    wrong = distinct(list(cand), a * a * b, cand.__getitem__)
    return Problem(
        kind="radical",
        question="In the right triangle described below, find the length of the hypotenuse in simplest radical form.",
        gold=gold,
        reference=store(rng, gold),
        # ``\\sqrt13`` is sqrt(1)*3 in TeX: the brace-less spellings only for one-digit radicands
        correct=(gold, f"\\sqrt{{{a * a * b}}}", *((f"{a} \\sqrt {b}", f"{a}\\sqrt{b}") if b < 10 else ())),
        wrong=wrong,
        forbidden=frozenset(),
    )


def _k_pi(rng: random.Random) -> Problem:
    q = rng.choice([2, 3, 4, 6, 12])
    p = rng.choice([p for p in range(1, 2 * q) if gcd(p, q) == 1])
    v = Fraction(p, q)
    gold = pi_frac(v)
    top = "" if p == 1 else str(p)
    correct = (gold, f"\\frac{{{p}}}{{{q}}}\\pi", f"{top}\\pi/{q}", f"\\frac{{{top}\\pi}}{{{q}}}")
    cands = {pi_frac(w): w for w in (v * 2, v + Fraction(1, q), Fraction(q, p), v / 2) if w > 0}
    return Problem(
        kind="pi",
        question="Find the smallest positive angle, in radians, satisfying the equation described below.",
        gold=gold,
        reference=store(rng, gold),
        correct=correct,
        wrong=distinct(list(cands), v, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_polynomial(rng: random.Random) -> Problem:
    nz = [n for n in range(-6, 7) if n != 0]
    a = rng.choice(nz)
    b = rng.choice([n for n in nz if n != -a])
    coeffs = (1, a + b, a * b)
    expanded = poly(coeffs)
    factored = f"{linear(a)}^2" if a == b else f"{linear(a)}{linear(b)}"
    swapped = factored if a == b else f"{linear(b)}{linear(a)}"
    gold_factored = rng.random() < 0.5
    gold = factored if gold_factored else expanded
    correct = (expanded, factored, swapped) if gold_factored else (factored, expanded, swapped)
    cands = {
        poly((1, a + b, a * b + 1)): (1, a + b, a * b + 1),
        poly((1, -(a + b), a * b)): (1, -(a + b), a * b),
        f"{linear(a)}{linear(-b)}": (1, a - b, -a * b),
        poly((1, a + b + 1, a * b)): (1, a + b + 1, a * b),
    }
    return Problem(
        kind="polynomial",
        question=f"Simplify $(x {signed(a)})(x {signed(b)})$ if asked to expand, or factor "
        f"$x^2 {signed(a + b)}x {signed(a * b)}$ completely, as described below.",
        gold=gold,
        reference=store(rng, gold),
        correct=correct,
        wrong=distinct(list(cands), coeffs, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_interval(rng: random.Random) -> Problem:
    lo: int | None = rng.randint(-9, 5)
    hi: int | None = (lo or 0) + rng.randint(1, 8)
    r = rng.random()
    if r < 0.2:
        lo = None
    elif r < 0.35:
        hi = None
    lc = lo is not None and rng.random() < 0.5
    rc = hi is not None and (rng.random() < 0.5 or (lo is not None and not lc))
    if lo is not None and hi is not None and not (lc or rc):
        rc = True  # a fully open finite interval would read as a point; keep labels unambiguous
    spec = (lo, hi, lc, rc)
    gold = interval_tex(*spec)
    cands: dict[str, tuple[int | None, int | None, bool, bool]] = {}
    if lo is not None:
        cands[interval_tex(lo, hi, not lc, rc)] = (lo, hi, not lc, rc)
        cands[interval_tex(lo - 1, hi, lc, rc)] = (lo - 1, hi, lc, rc)
    if hi is not None:
        cands[interval_tex(lo, hi, lc, not rc)] = (lo, hi, lc, not rc)
        cands[interval_tex(lo, hi + 1, lc, rc)] = (lo, hi + 1, lc, rc)
    return Problem(
        kind="interval",
        question="Solve the inequality described below. Express your answer in interval notation.",
        gold=gold,
        reference=store(rng, gold),
        correct=(gold, interval_tex(*spec, space=""), interval_tex(*spec, lr=True)),
        wrong=distinct(list(cands), spec, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_tuple(rng: random.Random) -> Problem:
    x = rng.choice([n for n in range(-9, 10) if n != 0])
    y = rng.choice([n for n in range(-9, 10) if n not in (0, x)])
    gold = f"({x}, {y})"
    cands = {
        f"({y}, {x})": (y, x),
        f"({x}, {-y})": (x, -y),
        f"({-x}, {y})": (-x, y),
        f"({x}, {y + 1})": (x, y + 1),
    }
    return Problem(
        kind="tuple",
        question=f"Find the intersection point $(x, y)$ of the lines $y = {x + y}x - c_1$ and the second line described below.",
        gold=gold,
        reference=store(rng, gold),
        correct=(gold, f"({x},{y})", f"\\left({x}, {y}\\right)", f"x = {x}, y = {y}"),
        wrong=distinct(list(cands), (x, y), cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_set(rng: random.Random) -> Problem:
    r1 = rng.choice([n for n in range(-9, 10) if n != 0])
    r2 = rng.choice([n for n in range(-9, 10) if n not in (0, r1, -r1)])
    roots = frozenset({r1, r2})
    gold = rng.choice([f"{r1}, {r2}", f"\\{{{r1}, {r2}\\}}"])
    cands = {
        str(r1): frozenset({r1}),
        f"{-r1}, {-r2}": frozenset({-r1, -r2}),
        f"{r1}, {r2 + 1}": frozenset({r1, r2 + 1}),
        f"\\{{{r1}, {-r2}\\}}": frozenset({r1, -r2}),
    }
    return Problem(
        kind="set",
        question=f"Find all real solutions of $x^2 {signed(-(r1 + r2))}x {signed(r1 * r2)} = 0$. "
        "Enter all the solutions, separated by commas.",
        gold=gold,
        reference=store(rng, gold),
        correct=(f"{r1}, {r2}", f"{r2}, {r1}", f"\\{{{r1}, {r2}\\}}", f"\\{{{r2},{r1}\\}}"),
        wrong=distinct(list(cands), roots, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_matrix(rng: random.Random) -> Problem:
    a, d = rng.randint(-5, 9), rng.randint(-5, 9)
    b = rng.randint(-5, 9)
    c = rng.choice([n for n in range(-5, 10) if n != b])
    m = ((a, b), (c, d))
    gold = matrix_tex(m)
    cands = {
        matrix_tex(((a, c), (b, d))): ((a, c), (b, d)),
        matrix_tex(((a, b), (c, d + 1))): ((a, b), (c, d + 1)),
        matrix_tex(((-a, b), (c, d))): ((-a, b), (c, d)),
        matrix_tex(((a, b), (-c, d))): ((a, b), (-c, d)),
    }
    return Problem(
        kind="matrix",
        question="Compute the product of the two $2 \\times 2$ matrices described below.",
        gold=gold,
        reference=store(rng, gold),
        correct=(gold, matrix_tex(m, "bmatrix"), matrix_tex(m, compact=True)),
        wrong=distinct(list(cands), m, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_complex(rng: random.Random) -> Problem:
    re_ = rng.choice([n for n in range(-9, 10) if n != 0])
    im = rng.choice([n for n in range(-9, 10) if n not in (0, re_)])
    gold = complex_tex(re_, im)
    if im > 1 or im < -1:
        tight = gold.replace(" ", "")
        spaced_i = gold[:-1] + " i"
        flipped = f"{im}i {signed(re_)}"
    else:
        tight, spaced_i, flipped = gold.replace(" ", ""), gold.replace(" ", ""), gold
    cands = {
        complex_tex(re_, -im): (re_, -im),
        complex_tex(im, re_): (im, re_),
        complex_tex(re_, im + 1): (re_, im + 1),
        complex_tex(-re_, im): (-re_, im),
    }
    return Problem(
        kind="complex",
        question="Simplify the complex expression described below. Write your answer in the form $a+bi$.",
        gold=gold,
        reference=store(rng, rng.choice([gold, tight])),
        correct=(gold, tight, flipped, spaced_i),
        wrong=distinct([k for k in cands if cands[k][1] != 0], (re_, im), cands.__getitem__),
        forbidden=frozenset(),
    )



STRUCTURED_BUILDERS = {
    "radical": _k_radical,
    "pi": _k_pi,
    "polynomial": _k_polynomial,
    "interval": _k_interval,
    "tuple": _k_tuple,
    "set": _k_set,
    "matrix": _k_matrix,
    "complex": _k_complex,
}
