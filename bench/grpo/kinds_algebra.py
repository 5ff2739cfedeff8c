"""Answer kinds that need algebra to compare: the symbolic mix's share of MATH/Olympiad answers.

Why these: on a real GRPO batch about a fifth of the answers are radicals, nested radicals,
multiples of pi and e, polynomials in another form, equations of lines and planes, exact
trigonometric values, logarithms, intervals and root sets with radicals, matrices with
symbols, rational expressions. Equal spellings of these differ as strings, so a verifier
either knows the algebra or pays for sympy.

Truth by construction: every spelling is written from the parameters it denotes, and each
near miss carries a value key (a float rounded to 9 places, a normalised coefficient tuple,
a set of rounded roots) computed from its own parameters, so :func:`distinct` drops any
candidate that happens to equal the gold.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from fractions import Fraction
from math import e as E
from math import gcd, log, pi, sqrt

from .base import Problem, problem_by_value, sqrt_tex, store, times_tex, value_key

__all__ = ["ALGEBRA_NUMBER_BUILDERS"]


# --------------------------------------------------------------------------- numbers with radicals, pi, e


def _k_nested_radical(rng: random.Random) -> Problem:
    """``\\sqrt{a}+\\sqrt{b}`` and its nested form ``\\sqrt{a+b+2\\sqrt{ab}}`` (denesting)."""
    a, b = sorted(rng.sample([2, 3, 5, 7], 2))
    minus = rng.random() < 0.3  # sqrt(b) - sqrt(a) = sqrt(a+b-2sqrt(ab))
    op = "-" if minus else "+"
    value = sqrt(b) - sqrt(a) if minus else sqrt(a) + sqrt(b)
    gold = f"{sqrt_tex(b)}-{sqrt_tex(a)}" if minus else f"{sqrt_tex(a)}+{sqrt_tex(b)}"
    nested = f"\\sqrt{{{a + b}{op}2\\sqrt{{{a * b}}}}}"
    correct = [gold, f"{sqrt_tex(b)} - {sqrt_tex(a)}" if minus else f"{sqrt_tex(b)}+{sqrt_tex(a)}", nested]
    if not minus:
        correct.append(f"\\sqrt{{{a}}} + \\sqrt{{{b}}}")
    cands: dict[str, object] = {
        sqrt_tex(a + b): value_key(sqrt(a + b)),
        (f"{sqrt_tex(a)}+{sqrt_tex(b)}" if minus else f"{sqrt_tex(b)}-{sqrt_tex(a)}"): value_key(sqrt(a) + sqrt(b) if minus else sqrt(b) - sqrt(a)),
        f"{sqrt_tex(a)}{op}{sqrt_tex(b + 1)}" if not minus else f"{sqrt_tex(b + 1)}-{sqrt_tex(a)}": value_key(
            sqrt(b + 1) - sqrt(a) if minus else sqrt(a) + sqrt(b + 1)
        ),
        f"2{sqrt_tex(a)}+{sqrt_tex(b)}": value_key(2 * sqrt(a) + sqrt(b)),
    }
    ref = rng.choice([gold, gold, nested])
    return problem_by_value(
        "nested_radical",
        f"Simplify $\\sqrt{{{a + b} {op} 2\\sqrt{{{a * b}}}}}$ as a sum or difference of square roots, as described below.",
        gold,
        str(store(rng, ref)),
        correct,
        cands,
        value_key(value),
    )


def _k_radical_fraction(rng: random.Random) -> Problem:
    """``\\frac{c\\sqrt{b}}{d}`` vs ``\\frac{c}{d}\\sqrt{b}`` vs the unrationalised ``\\frac{cb}{d\\sqrt{b}}``."""
    b = rng.choice((2, 3, 5, 6, 7))
    b2 = b + 1 if b + 1 not in (4, 9) else b + 2  # a near miss with another radicand, still a radical
    d = rng.choice([d for d in range(2, 10)])
    c = rng.choice([c for c in range(1, 10) if gcd(c, d) == 1])
    value = c * sqrt(b) / d
    top = times_tex(c, sqrt_tex(b))
    gold = f"\\frac{{{top}}}{{{d}}}"
    g = gcd(c * b, d)
    unrat = f"\\frac{{{c * b // g}}}{{{times_tex(d // g, sqrt_tex(b))}}}"
    correct = [gold, f"\\frac{{{c}}}{{{d}}}\\sqrt{{{b}}}", f"{top}/{d}", unrat, f"\\dfrac{{{top}}}{{{d}}}"]
    cands: dict[str, object] = {
        f"\\frac{{{top}}}{{{d + 1}}}": value_key(c * sqrt(b) / (d + 1)),
        f"\\frac{{{times_tex(d, sqrt_tex(b))}}}{{{c}}}" if c > 1 else f"{times_tex(d, sqrt_tex(b))}": value_key(d * sqrt(b) / c),
        f"\\frac{{{times_tex(c, sqrt_tex(b2))}}}{{{d}}}": value_key(c * sqrt(b2) / d),
        f"\\frac{{{c}}}{{{times_tex(d, sqrt_tex(b))}}}": value_key(c / (d * sqrt(b))),
    }
    return problem_by_value(
        "radical_fraction",
        "Find the exact value of the ratio described below; rationalise the denominator.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        value_key(value),
    )


def _k_pi_e(rng: random.Random) -> Problem:
    """Expressions in pi and e: ``c\\pi - d``, ``\\frac{p\\pi^2}{q}``, ``e^{k}``, ``\\frac{e^{k}-1}{q}``."""
    shape = rng.randrange(4)
    if shape == 0:
        c, d = rng.randint(2, 9), rng.randint(1, 9)
        gold = f"{c}\\pi - {d}"
        correct = [gold, f"{c}\\pi-{d}", f"-{d} + {c}\\pi", f"\\pi \\cdot {c} - {d}"]
        value = c * pi - d
        cands: dict[str, object] = {
            f"{c}\\pi + {d}": value_key(c * pi + d),
            f"{c + 1}\\pi - {d}": value_key((c + 1) * pi - d),
            f"{d}\\pi - {c}": value_key(d * pi - c),
            f"{c}\\pi": value_key(c * pi),
        }
        question = "Find the area of the shaded region described below, in terms of $\\pi$."
    elif shape == 1:
        q = rng.choice((3, 4, 6, 8, 12))
        p = rng.choice([p for p in range(1, 12) if gcd(p, q) == 1])
        top = times_tex(p, "\\pi^2")
        gold = f"\\frac{{{top}}}{{{q}}}"
        correct = [gold, f"\\frac{{{p}}}{{{q}}}\\pi^2", f"{top}/{q}", "\\frac{" + times_tex(p, "\\pi^{2}") + "}{" + str(q) + "}"]
        value = p * pi * pi / q
        cands = {
            "\\frac{" + times_tex(p, "\\pi") + "}{" + str(q) + "}": value_key(p * pi / q),
            f"\\frac{{{top}}}{{{q + 1}}}": value_key(p * pi * pi / (q + 1)),
            f"\\frac{{{p + 1}\\pi^2}}{{{q}}}": value_key((p + 1) * pi * pi / q),
            (f"\\frac{{{q}\\pi^2}}{{{p}}}" if p > 1 else f"{q}\\pi^2"): value_key(q * pi * pi / p),
        }
        question = "Evaluate the series described below in closed form."
    elif shape == 2:
        k = rng.randint(2, 7)
        gold = f"e^{{{k}}}"
        correct = [gold, f"e^{k}", f"\\exp({k})", f"\\mathrm{{e}}^{{{k}}}"]
        value = E**k
        cands = {f"e^{{{k + 1}}}": value_key(E ** (k + 1)), f"{k}e": value_key(k * E), f"{k}^{{e}}": value_key(k**E), f"e^{{-{k}}}": value_key(E**-k)}
        question = "Find the limit described below."
    else:
        k, q = rng.randint(2, 5), rng.randint(2, 6)
        gold = f"\\frac{{e^{{{k}}}-1}}{{{q}}}"
        correct = [gold, f"\\frac{{e^{{{k}}}}}{{{q}}}-\\frac{{1}}{{{q}}}", f"\\frac{{1}}{{{q}}}(e^{{{k}}}-1)", f"(e^{k}-1)/{q}"]
        value = (E**k - 1) / q
        cands = {
            f"\\frac{{e^{{{k}}}+1}}{{{q}}}": value_key((E**k + 1) / q),
            f"\\frac{{e^{{{k}}}-1}}{{{q + 1}}}": value_key((E**k - 1) / (q + 1)),
            f"\\frac{{e^{{{k}}}}}{{{q}}}": value_key(E**k / q),
            f"\\frac{{e^{{{k + 1}}}-1}}{{{q}}}": value_key((E ** (k + 1) - 1) / q),
        }
        question = "Evaluate the definite integral described below."
    return problem_by_value("pi_e", question, gold, str(store(rng, gold)), correct, cands, value_key(value))


_TRIG: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("\\sin 15^\\circ", (sqrt(6) - sqrt(2)) / 4, ("\\frac{\\sqrt{6}-\\sqrt{2}}{4}", "\\frac{\\sqrt{3}-1}{2\\sqrt{2}}", "\\frac{\\sqrt{6}}{4}-\\frac{\\sqrt{2}}{4}")),
    ("\\cos 15^\\circ", (sqrt(6) + sqrt(2)) / 4, ("\\frac{\\sqrt{6}+\\sqrt{2}}{4}", "\\frac{\\sqrt{3}+1}{2\\sqrt{2}}", "\\frac{\\sqrt{2}+\\sqrt{6}}{4}")),
    ("\\tan 15^\\circ", 2 - sqrt(3), ("2-\\sqrt{3}", "-\\sqrt{3}+2", "\\frac{1}{2+\\sqrt{3}}")),
    ("\\tan 75^\\circ", 2 + sqrt(3), ("2+\\sqrt{3}", "\\sqrt{3}+2", "\\frac{1}{2-\\sqrt{3}}")),
    ("\\cos 36^\\circ", (1 + sqrt(5)) / 4, ("\\frac{1+\\sqrt{5}}{4}", "\\frac{\\sqrt{5}+1}{4}", "\\frac{1}{4}+\\frac{\\sqrt{5}}{4}")),
    ("\\sin 18^\\circ", (sqrt(5) - 1) / 4, ("\\frac{\\sqrt{5}-1}{4}", "\\frac{-1+\\sqrt{5}}{4}", "\\frac{\\sqrt{5}}{4}-\\frac{1}{4}")),
    ("\\tan 30^\\circ", sqrt(3) / 3, ("\\frac{\\sqrt{3}}{3}", "\\frac{1}{\\sqrt{3}}", "\\frac{1}{3}\\sqrt{3}")),
    ("\\sin 45^\\circ", sqrt(2) / 2, ("\\frac{\\sqrt{2}}{2}", "\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt2}{2}")),
    ("\\csc 60^\\circ", 2 * sqrt(3) / 3, ("\\frac{2\\sqrt{3}}{3}", "\\frac{2}{\\sqrt{3}}", "\\frac{2}{3}\\sqrt{3}")),
    ("\\cos 30^\\circ", sqrt(3) / 2, ("\\frac{\\sqrt{3}}{2}", "\\frac{1}{2}\\sqrt{3}", "\\frac{3}{2\\sqrt{3}}")),
)


def _k_trig(rng: random.Random) -> Problem:
    """Exact trigonometric values: the same number as a radical in three common shapes."""
    i = rng.randrange(len(_TRIG))
    name, value, spellings = _TRIG[i]
    gold = spellings[0]
    cands: dict[str, object] = {f"-{s}" if not s.startswith("-") else s[1:]: value_key(-value) for s in spellings[:1]}
    for _, other, others in _TRIG:
        cands[others[0]] = value_key(other)
    return problem_by_value(
        "trig",
        f"Compute the exact value of ${name}$ (or the expression equal to it described below).",
        gold,
        str(store(rng, gold)),
        spellings,
        cands,
        value_key(value),
    )


def _k_radians(rng: random.Random) -> Problem:
    """An angle in radians; the degree number without its unit is a wrong value, not a spelling."""
    q = rng.choice((3, 4, 6, 12))
    p = rng.choice([p for p in range(1, 2 * q) if gcd(p, q) == 1])
    degrees = 180 * p // q  # an integer for these denominators
    top = "\\pi" if p == 1 else f"{p}\\pi"
    gold = f"\\frac{{{top}}}{{{q}}}"
    value = p * pi / q
    correct = [gold, f"\\frac{{{p}}}{{{q}}}\\pi", f"{top}/{q}", f"\\frac{{{top}}}{{{q}}} \\text{{ rad}}", f"\\dfrac{{{top}}}{{{q}}}"]
    cands: dict[str, object] = {str(degrees): value_key(degrees)}
    for w in (Fraction(p, q) + Fraction(1, q), Fraction(q, p), Fraction(2 * p, q), 2 - Fraction(p, q)):
        if w > 0:
            t = "\\pi" if w.numerator == 1 else f"{w.numerator}\\pi"
            cands[t if w.denominator == 1 else f"\\frac{{{t}}}{{{w.denominator}}}"] = value_key(float(w) * pi)
    return problem_by_value(
        "radians",
        f"Convert ${degrees}^\\circ$ (the angle described below) to radians.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        value_key(value),
    )


def _k_log(rng: random.Random) -> Problem:
    """Logarithms: ``\\log_2 3`` = ``\\frac{\\ln 3}{\\ln 2}``, ``2\\ln 2`` = ``\\ln 4``, ``\\ln\\frac{3}{2}``."""
    shape = rng.randrange(3)
    if shape == 0:
        b, a = rng.choice(((2, 3), (2, 5), (3, 2), (3, 5), (5, 2), (2, 7)))
        gold = f"\\log_{{{b}}} {a}"
        correct = [gold, f"\\frac{{\\ln {a}}}{{\\ln {b}}}", f"\\log_{{{b}}}({a})", f"\\frac{{\\log {a}}}{{\\log {b}}}"]
        value = log(a) / log(b)
        cands: dict[str, object] = {
            f"\\log_{{{a}}} {b}": value_key(log(b) / log(a)),
            f"\\log_{{{b}}} {a + 1}": value_key(log(a + 1) / log(b)),
            f"\\ln {a}": value_key(log(a)),
            f"\\frac{{{a}}}{{{b}}}": value_key(a / b),
        }
    elif shape == 1:
        b, k = rng.choice((2, 3, 5)), rng.randint(2, 4)
        gold = f"{k}\\ln {b}"
        correct = [gold, f"\\ln {b**k}", f"\\ln({b**k})", f"{k}\\ln({b})"]
        value = k * log(b)
        cands = {
            f"\\ln {b}": value_key(log(b)),
            f"{k + 1}\\ln {b}": value_key((k + 1) * log(b)),
            f"\\ln {b * k}": value_key(log(b * k)),
            f"{b}\\ln {k}": value_key(b * log(k)),
        }
    else:
        p, q = rng.choice(((3, 2), (5, 2), (4, 3), (5, 3), (7, 2), (5, 4)))
        gold = f"\\ln \\frac{{{p}}}{{{q}}}"
        correct = [gold, f"\\ln {p} - \\ln {q}", f"\\ln\\left(\\frac{{{p}}}{{{q}}}\\right)", f"-\\ln \\frac{{{q}}}{{{p}}}"]
        value = log(p / q)
        cands = {
            f"\\ln \\frac{{{q}}}{{{p}}}": value_key(log(q / p)),
            f"\\ln {p} + \\ln {q}": value_key(log(p * q)),
            f"\\frac{{\\ln {p}}}{{\\ln {q}}}": value_key(log(p) / log(q)),
            f"\\ln \\frac{{{p + 1}}}{{{q}}}": value_key(log((p + 1) / q)),
        }
    return problem_by_value(
        "log",
        "Solve the exponential equation described below; give the exact answer.",
        gold,
        str(store(rng, gold)),
        correct,
        cands,
        value_key(value),
    )


ALGEBRA_NUMBER_BUILDERS: dict[str, Callable[[random.Random], Problem]] = {
    "nested_radical": _k_nested_radical,
    "radical_fraction": _k_radical_fraction,
    "pi_e": _k_pi_e,
    "trig": _k_trig,
    "radians": _k_radians,
    "log": _k_log,
}
