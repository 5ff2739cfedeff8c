"""Algebra answer kinds with variables or structure: polynomials in another form, lines and
planes, rational expressions, intervals and root sets with radicals, matrices with symbols.

Truth by construction, as in :mod:`.kinds_algebra`: each near miss carries a key computed
from its own parameters (normalised coefficients, values at fixed points, rounded roots).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from math import gcd, sqrt

from .base import NOT_SQUARES, Problem, linear, poly, problem_by_value, signed, sqrt_tex, store, times_tex, value_key

__all__ = ["ALGEBRA_EXPRESSION_BUILDERS"]


# --------------------------------------------------------------------------- expressions with variables


def _times(coeffs: Sequence[int], root: int) -> list[int]:
    """Coefficients (highest first) of ``poly * (x - root)``."""
    out = [*coeffs, 0]
    for i, c in enumerate(coeffs):
        out[i + 1] -= root * c
    return out


def _k_poly_forms(rng: random.Random) -> Problem:
    """A polynomial with a leading coefficient, expanded vs factored (``2(x-1)(x+3)``, ``(2x-2)(x+3)``)."""
    k = rng.choice((2, 3, -1, -2, 1, 4))
    n_roots = rng.choice((2, 2, 3))
    roots = rng.sample([r for r in range(-6, 7) if r != 0], n_roots)
    coeffs = [k]
    for r in roots:
        coeffs = _times(coeffs, r)
    expanded = poly(coeffs)
    factors = "".join(linear(-r) for r in roots)
    lead = "" if k == 1 else ("-" if k == -1 else str(k))
    factored = f"{lead}{factors}"
    reordered = f"{lead}{''.join(linear(-r) for r in reversed(roots))}"
    gold_factored = rng.random() < 0.5
    gold = factored if gold_factored else expanded
    # the policy writes the other form most (asked to factor, it expands, and vice versa)
    correct = [expanded, factored] if gold_factored else [factored, expanded]
    correct.append(reordered)
    if k not in (1, -1):
        correct.append(f"({k}x {signed(-k * roots[0])}){''.join(linear(-r) for r in roots[1:])}")

    def cs(ks: int, rs: Sequence[int]) -> tuple[int, ...]:
        out = [ks]
        for r in rs:
            out = _times(out, r)
        return tuple(out)

    flipped = [-roots[0], *roots[1:]]
    cands: dict[str, object] = {
        f"{lead}{''.join(linear(-r) for r in flipped)}": cs(k, flipped),
        poly([*coeffs[:-1], coeffs[-1] + 1]): (*coeffs[:-1], coeffs[-1] + 1),
        factors: cs(1, roots),
        poly([-c for c in coeffs]): tuple(-c for c in coeffs),
    }
    return problem_by_value(
        "poly_forms",
        f"Expand or factor completely, as asked below, the polynomial ${expanded if gold_factored else factored}$.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        tuple(coeffs),
    )


def _line_key(a: int, b: int, c: int) -> tuple[int, int, int]:
    """``ax + by + c = 0`` up to a common factor and sign: one key per line."""
    g = gcd(gcd(a, b), c) or 1
    a, b, c = a // g, b // g, c // g
    if a < 0 or (a == 0 and b < 0):
        a, b, c = -a, -b, -c
    return a, b, c


def _mx(m: int, var: str = "x") -> str:
    return times_tex(m, var) if m else ""


def _affine(m: int, c: int) -> str:
    """``mx + c`` as written: ``2x - 3``, ``-x + 4``, ``5`` (slope 0 not used)."""
    return f"{_mx(m)} {signed(c)}" if c else _mx(m)


def _k_line(rng: random.Random) -> Problem:
    """A line through two points: slope-intercept, standard, point-slope and intercept-first forms."""
    m = rng.choice([n for n in range(-5, 6) if n != 0])
    c = rng.choice([n for n in range(-9, 10) if n != 0])
    x1 = rng.choice([n for n in range(-4, 5) if n != 0])
    y1 = m * x1 + c
    gold = f"y = {_affine(m, c)}"
    std = f"{_mx(m)} - y {signed(c)} = 0"
    point = f"y {signed(-y1)} = {times_tex(m, f'(x {signed(-x1)})')}" if y1 else f"y = {times_tex(m, f'(x {signed(-x1)})')}"
    first = f"y = {c} {'+' if m > 0 else '-'} {_mx(abs(m))}"
    correct = [gold, first, std, point, f"y={_affine(m, c).replace(' ', '')}"]
    key = _line_key(m, -1, c)
    cands: dict[str, object] = {
        f"y = {_affine(m, -c)}": _line_key(m, -1, -c),
        f"y = {_affine(-m, c)}": _line_key(-m, -1, c),
        f"y = {_affine(m + 1, c)}": _line_key(m + 1, -1, c),
        f"y = {_affine(c, m)}": _line_key(c, -1, m),
    }
    return problem_by_value(
        "line",
        f"Find the equation of the line with slope ${m}$ through the point $({x1}, {y1})$.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        key,
    )


def _plane_key(a: int, b: int, c: int, d: int) -> tuple[int, int, int, int]:
    g = gcd(gcd(a, b), gcd(c, d)) or 1
    a, b, c, d = a // g, b // g, c // g, d // g
    if a < 0 or (a == 0 and (b < 0 or (b == 0 and c < 0))):
        a, b, c, d = -a, -b, -c, -d
    return a, b, c, d


def _lin3(a: int, b: int, c: int) -> str:
    out = times_tex(a, "x")
    for k, v in ((b, "y"), (c, "z")):
        out += f" + {times_tex(k, v)}" if k > 0 else f" - {times_tex(-k, v)}"
    return out


def _k_plane(rng: random.Random) -> Problem:
    """A plane ``ax + by + cz = d`` (a > 0): standard, zero on the right, negated, and ``z = ...`` when c = 1."""
    a = rng.randint(1, 5)
    b = rng.choice([n for n in range(-5, 6) if n != 0])
    c = rng.choice([n for n in range(-5, 6) if n != 0])
    d = rng.choice([n for n in range(-12, 13) if n != 0])
    gold = f"{_lin3(a, b, c)} = {d}"
    correct = [gold, f"{_lin3(a, b, c)} {signed(-d)} = 0", f"{_lin3(-a, -b, -c)} = {-d}", f"{_lin3(a, b, c).replace(' ', '')}={d}"]
    if c == 1:
        correct.append(f"z = {d} {signed(-a)}x {signed(-b)}y".replace("1x", "x").replace("1y", "y"))
    key = _plane_key(a, b, c, -d)
    cands: dict[str, object] = {
        f"{_lin3(a, b, c)} = {d + 1}": _plane_key(a, b, c, -d - 1),
        f"{_lin3(a, -b, c)} = {d}": _plane_key(a, -b, c, -d),
        (f"{_lin3(b, a, c)} = {d}" if b > 0 else f"{_lin3(a, b, -c)} = {d}"): (
            _plane_key(b, a, c, -d) if b > 0 else _plane_key(a, b, -c, -d)
        ),
        f"{_lin3(a, b, c)} = {-d}": _plane_key(a, b, c, d),
    }
    return problem_by_value(
        "plane",
        "Find the equation of the plane described below, in the form $Ax + By + Cz = D$.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        key,
    )


def _k_rational_expr(rng: random.Random) -> Problem:
    """``\\frac{x+p}{x+q}`` = ``\\frac{-x-p}{-x-q}`` = ``1 + \\frac{p-q}{x+q}``."""
    p = rng.choice([n for n in range(-6, 7) if n != 0])
    q = rng.choice([n for n in range(-6, 7) if n not in (0, p)])
    points = (0.37, 2.71, -3.3)

    def f(pp: int, qq: int, scale: int = 1) -> tuple[float, ...]:
        return tuple(value_key(scale * (x + pp) / (x + qq)) for x in points)

    gold = f"\\frac{{x {signed(p)}}}{{x {signed(q)}}}"
    correct = [
        gold,
        f"\\frac{{{p} + x}}{{x {signed(q)}}}",
        f"(x {signed(p)})/(x {signed(q)})",
        f"\\frac{{-x {signed(-p)}}}{{-x {signed(-q)}}}",
        f"1 {'+' if p > q else '-'} \\frac{{{abs(p - q)}}}{{x {signed(q)}}}",
    ]
    cands: dict[str, object] = {
        f"\\frac{{x {signed(q)}}}{{x {signed(p)}}}": f(q, p),
        f"\\frac{{x {signed(p)}}}{{x {signed(-q)}}}": f(p, -q),
        f"\\frac{{x {signed(p + 1)}}}{{x {signed(q)}}}" if p + 1 else f"\\frac{{x}}{{x {signed(q)}}}": f(p + 1, q),
        f"-\\frac{{x {signed(p)}}}{{x {signed(q)}}}": f(p, q, -1),
    }
    return problem_by_value(
        "rational_expr",
        "Simplify the rational expression described below, for all $x$ where it is defined.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        f(p, q),
    )


# --------------------------------------------------------------------------- structures with radicals or symbols


def _k_interval_radical(rng: random.Random) -> Problem:
    """``[h-\\sqrt{b}, h+\\sqrt{b}]`` or ``(-\\infty, -\\sqrt{b}) \\cup (\\sqrt{b}, \\infty)``."""
    b = rng.choice(NOT_SQUARES)
    h = rng.choice((0, 1, -1, 2, 3, -2))
    closed = rng.random() < 0.5
    lb, rb = ("[", "]") if closed else ("(", ")")
    lo, hi = (f"-{sqrt_tex(b)}", sqrt_tex(b)) if h == 0 else (f"{h}-{sqrt_tex(b)}", f"{h}+{sqrt_tex(b)}")
    lo2, hi2 = (lo, hi) if h == 0 else (f"-{sqrt_tex(b)}{signed(h)}".replace(" ", ""), f"{sqrt_tex(b)}{signed(h)}".replace(" ", ""))
    union = rng.random() < 0.35

    def key(l_: float, r_: float, cl: bool, u: bool) -> tuple[object, ...]:
        return (value_key(l_), value_key(r_), cl, u)

    if union:
        gold = f"(-\\infty, {lo}{rb} \\cup {lb}{hi}, \\infty)"
        correct = [
            gold,
            f"(-\\infty,{lo}{rb}\\cup{lb}{hi},\\infty)",
            f"\\left(-\\infty, {lo2}\\right{rb} \\cup \\left{lb}{hi2}, \\infty\\right)",
        ]
        flip_l, flip_r = ("(", ")") if closed else ("[", "]")
        cands: dict[str, object] = {
            f"(-\\infty, {lo}{flip_r} \\cup {flip_l}{hi}, \\infty)": key(h - sqrt(b), h + sqrt(b), not closed, True),
            f"{lb}{lo}, {hi}{rb}": key(h - sqrt(b), h + sqrt(b), closed, False),
            f"(-\\infty, {h}-{sqrt_tex(b + 1)}{rb} \\cup {lb}{h}+{sqrt_tex(b + 1)}, \\infty)" if h else f"(-\\infty, -{sqrt_tex(b + 1)}{rb} \\cup {lb}{sqrt_tex(b + 1)}, \\infty)": key(
                h - sqrt(b + 1), h + sqrt(b + 1), closed, True
            ),
        }
    else:
        gold = f"{lb}{lo}, {hi}{rb}"
        correct = [gold, f"{lb}{lo},{hi}{rb}", f"\\left{lb}{lo2}, {hi2}\\right{rb}"]
        flip_l, flip_r = ("(", ")") if closed else ("[", "]")
        cands = {
            f"{flip_l}{lo}, {hi}{flip_r}": key(h - sqrt(b), h + sqrt(b), not closed, False),
            f"(-\\infty, {lo}{rb} \\cup {lb}{hi}, \\infty)": key(h - sqrt(b), h + sqrt(b), closed, True),
            f"{lb}{h - 1}-{sqrt_tex(b)}, {h - 1}+{sqrt_tex(b)}{rb}" if h != 1 else f"{lb}-{sqrt_tex(b)}, {sqrt_tex(b)}{rb}": key(
                h - 1 - sqrt(b), h - 1 + sqrt(b), closed, False
            ),
        }
    quad = f"(x {signed(-h)})^2" if h else "x^2"
    rel = ("\\le" if closed else "<") if not union else ("\\ge" if closed else ">")
    return problem_by_value(
        "interval_radical",
        f"Solve ${quad} {rel} {b}$. Express your answer in interval notation.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        key(h - sqrt(b), h + sqrt(b), closed, union),
    )


def _k_roots_radical(rng: random.Random) -> Problem:
    """Roots ``h \\pm \\sqrt{b}``: with ``\\pm``, as a list in either order, as a set, unsimplified."""
    b = rng.choice(NOT_SQUARES)
    h = rng.choice((1, -1, 2, 3, -2, 4))
    plus, minus = f"{h}+{sqrt_tex(b)}", f"{h}-{sqrt_tex(b)}"

    def key(hh: float, bb: float) -> frozenset[float]:
        return frozenset({value_key(hh + sqrt(bb)), value_key(hh - sqrt(bb))})

    gold = rng.choice([f"{h} \\pm {sqrt_tex(b)}", f"{plus}, {minus}"])
    correct = [
        gold,
        f"{minus}, {plus}",
        f"\\{{{plus}, {minus}\\}}",
        f"{h}\\pm\\sqrt{{{b}}}",
        f"\\frac{{{2 * h} \\pm \\sqrt{{{4 * b}}}}}{{2}}",
        f"x = {h} \\pm {sqrt_tex(b)}",
    ]
    cands: dict[str, object] = {
        f"{h} \\pm {sqrt_tex(b + 1)}": key(h, b + 1),
        f"{-h} \\pm {sqrt_tex(b)}": key(-h, b),
        plus: frozenset({value_key(h + sqrt(b))}),
        f"{h} \\pm 2{sqrt_tex(b)}": key(h, 4 * b),
    }
    return problem_by_value(
        "roots_radical",
        f"Find all real roots of $x^2 {signed(-2 * h)}x {signed(h * h - b)} = 0$. Enter all the solutions, separated by commas.",
        gold,
        str(store(rng, gold)),
        list(dict.fromkeys(correct)),
        cands,
        key(h, b),
    )


def _entry(k: int, m: int) -> str:
    """``k a + m`` as a matrix entry: ``a^2``-free linear entries keep the table small."""
    if k == 0:
        return str(m)
    return f"{times_tex(k, 'a')} {signed(m)}" if m else times_tex(k, "a")


def _k_matrix_symbolic(rng: random.Random) -> Problem:
    """A 2x2 matrix with entries linear in ``a``; written with terms reordered or as bmatrix."""
    cells = [(rng.randint(-3, 3), rng.randint(-5, 5)) for _ in range(4)]
    if all(k == 0 for k, _ in cells):
        cells[0] = (1, cells[0][1])
    if cells[1] == cells[2]:
        cells[2] = (cells[2][0], cells[2][1] + 1)

    def tex(cs: Sequence[tuple[int, int]], env: str = "pmatrix", flip: bool = False) -> str:
        def one(k: int, m: int) -> str:
            if flip and k and m:
                return f"{m} {'+' if k > 0 else '-'} {times_tex(abs(k), 'a')}"
            return _entry(k, m)

        e = [one(*c) for c in cs]
        return f"\\begin{{{env}}} {e[0]} & {e[1]} \\\\ {e[2]} & {e[3]} \\end{{{env}}}"

    key = tuple(cells)
    gold = tex(cells)
    t = [cells[0], cells[2], cells[1], cells[3]]
    neg = [(-k, -m) for k, m in cells]
    off = [*cells[:3], (cells[3][0], cells[3][1] + 1)]
    sgn = [(cells[0][0], -cells[0][1]) if cells[0][1] else (-cells[0][0], 0), *cells[1:]]
    cands: dict[str, object] = {tex(x): tuple(x) for x in (t, neg, off, sgn)}
    return problem_by_value(
        "matrix_symbolic",
        "Compute $A^{-1} B$ for the matrices described below, in terms of $a$.",
        gold,
        str(store(rng, gold)),
        [gold, tex(cells, "bmatrix"), tex(cells, flip=True)],
        cands,
        key,
    )


ALGEBRA_EXPRESSION_BUILDERS: dict[str, Callable[[random.Random], Problem]] = {
    "poly_forms": _k_poly_forms,
    "line": _k_line,
    "plane": _k_plane,
    "rational_expr": _k_rational_expr,
    "interval_radical": _k_interval_radical,
    "roots_radical": _k_roots_radical,
    "matrix_symbolic": _k_matrix_symbolic,
}
