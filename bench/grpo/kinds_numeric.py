"""Answer kinds whose value is one number (or a word): integers, fractions, decimals, units.

These are what the fast path decides without sympy in the common spellings; the easy mix
is mostly these. Each builder draws one :class:`Problem` from ``rng``.
"""

from __future__ import annotations

import random
from fractions import Fraction
from math import gcd

from .base import Problem, decimal, distinct, frac, signed, store, thousands, value_of_frac

__all__ = ["NUMERIC_BUILDERS"]

# --------------------------------------------------------------------------- answer kinds
# Each builder draws one problem. ``key`` functions inside map a spelling to the value it
# denotes, so near misses are filtered against the gold by value, not by string.


def _k_integer(rng: random.Random) -> Problem:
    n = rng.randint(12, 999)
    noun = rng.choice(["apples", "students", "marbles", "cars", "tickets", "books"])
    rev = int(str(n)[::-1]) if str(n)[-1] != "0" else n
    wrong = distinct([str(n + 1), str(n - 1), str(rev), str(2 * n), str(n + 10)], n, int)
    return Problem(
        kind="integer",
        question=f"A shop starts with some {noun} and after a series of sales and deliveries "
        f"described below ends with a new total. How many {noun} are there at the end?",
        gold=str(n),
        reference=store(rng, str(n), n, gsm8k=True),
        correct=(str(n), f"{n} \\text{{ {noun}}}", f"{n}.0"),
        wrong=wrong,
        forbidden=frozenset({Fraction(n)}),
    )


def _k_negative(rng: random.Random) -> Problem:
    n = -rng.randint(2, 99)
    wrong = distinct([str(-n), str(n - 1), str(n + 1)], n, int)
    return Problem(
        kind="negative",
        question=f"Find the minimum value of $f(x) = x^2 {signed(2 * rng.randint(1, 9))}x + c$ for the constant $c$ "
        "determined by the conditions below.",
        gold=str(n),
        reference=store(rng, str(n), n),
        correct=(str(n), f"{n}.0", f"- {-n}"),
        wrong=wrong,
        forbidden=frozenset({Fraction(n), Fraction(-n)}),
    )


def _k_decimal(rng: random.Random) -> Problem:
    cents = rng.choice([c for c in range(101, 1000) if c % 10 != 0])
    v = Fraction(cents, 100)
    gold = decimal(v)
    swapped = gold[:-2] + gold[-1] + gold[-2]
    cand = [
        decimal(v - Fraction(cents % 10, 100)),
        swapped,
        decimal(v * 10),
        decimal(v + Fraction(1, 100)),
    ]
    return Problem(
        kind="decimal",
        question="A runner covers a distance at a constant speed; using the table of split times below, "
        "find the average number of kilometres covered per minute, as a decimal.",
        gold=gold,
        reference=store(rng, gold, float(v)),
        correct=(gold, gold + "0", frac(v)),
        wrong=distinct(cand, v, Fraction),
        forbidden=frozenset({v}),
    )


def _k_fraction(rng: random.Random) -> Problem:
    q = rng.randint(3, 13)
    p = rng.choice([p for p in range(1, 2 * q) if gcd(p, q) == 1 and p != q])
    sign = -1 if rng.random() < 0.25 else 1
    v = Fraction(sign * p, q)
    gold = frac(v)
    s = "-" if sign < 0 else ""
    correct = [gold, frac(v, "\\dfrac"), f"{s}{p}/{q}", frac(v, "\\tfrac")]
    if p < 10 and q < 10:
        correct.append(f"{s}\\frac{p}{q}")
    correct.append(f"{s}\\frac{{{2 * p}}}{{{2 * q}}}")
    cand = [frac(1 / v), frac(v + Fraction(sign, q)), frac(Fraction(sign * p, q + 1)), frac(-v)]
    ref_latex = rng.choice([gold, frac(v, "\\dfrac"), f"{s}{p}/{q}"])
    return Problem(
        kind="fraction",
        question="Two fair dice are rolled under the rule described below. What is the probability "
        "(or signed ratio) asked for? Express your answer as a common fraction.",
        gold=gold,
        reference=store(rng, ref_latex),
        correct=tuple(correct),
        wrong=distinct(cand, v, value_of_frac),
        forbidden=frozenset({v}),
    )




def _k_mixed_form(rng: random.Random) -> Problem:
    q = rng.choice([2, 4, 5, 8, 10, 20, 25])
    p = rng.choice([p for p in range(1, 3 * q) if gcd(p, q) == 1 and p % q != 0])
    v = Fraction(p, q)
    dec, fr = decimal(v), frac(v)
    compact = f"\\frac{p}{q}" if p < 10 and q < 10 else fr
    gold_is_decimal = rng.random() < 0.5
    gold = dec if gold_is_decimal else fr
    other = [fr, compact, f"{p}/{q}"] if gold_is_decimal else [dec, compact]
    cand = [decimal(v + Fraction(1, 10)), frac(Fraction(p + 1, q)), decimal(v * 2), frac(Fraction(q, p))]
    return Problem(
        kind="mixed_form",
        question="A recipe is scaled as described below. What fraction of a cup of sugar is needed?",
        gold=gold,
        reference=store(rng, gold, float(v) if gold_is_decimal else None),
        correct=(*other, gold),
        wrong=distinct(cand, v, value_of_frac),
        forbidden=frozenset({v}),
    )


def _k_thousands(rng: random.Random) -> Problem:
    n = rng.randint(1001, 999_999)
    if n % 1000 < 100:
        n += 100
    digits = str(n)
    swapped = int(digits[:-2] + digits[-1] + digits[-2])
    cand = [thousands(n + 1), thousands(swapped), thousands(n - 1000), thousands(n * 10)]
    gold = thousands(n)

    def key(s: str) -> int:
        return int(s.replace(",", ""))

    return Problem(
        kind="thousands",
        question="A city's population grows as described in the table below. What is the population "
        "after the last year shown?",
        gold=gold,
        reference=store(rng, rng.choice([gold, str(n), thousands(n, "{,}")]), n, gsm8k=True),
        correct=(gold, str(n), thousands(n, "{,}"), thousands(n, "\\,")),
        wrong=distinct(cand, n, key),
        forbidden=frozenset({Fraction(n)}),
    )


def _k_equation(rng: random.Random) -> Problem:
    var = rng.choice(["x", "y", "n", "t"])
    v = rng.choice([n for n in range(-20, 51) if n not in (0, 1, -1)])
    k, c = rng.randint(2, 9), rng.randint(1, 30)
    gold = str(v)
    cand = [f"{var} = {-v}", f"{var} = {v + 1}", f"{var} = {v - 1}", f"{var} = {2 * v}"]
    return Problem(
        kind="equation",
        question=f"Solve for ${var}$: ${k}{var} + {c} = {k * v + c}$.",
        gold=gold,
        reference=store(rng, gold, v),
        correct=(f"{var} = {v}", gold, f"{var}={v}"),
        wrong=distinct(cand, v, lambda s: int(s.split("=")[1])),
        forbidden=frozenset({Fraction(v)}),
    )


_WORDS = (
    ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    ("red", "blue", "green", "yellow"),
    ("Alice", "Bob", "Carol", "David", "Emma"),
)


def _k_text(rng: random.Random) -> Problem:
    words = rng.choice(_WORDS)
    w = rng.choice(words)
    gold = f"\\text{{{w}}}"
    cands = [f"\\text{{{o}}}" for o in words if o != w]
    rng.shuffle(cands)
    return Problem(
        kind="text",
        question="Using the clues below, determine which one it is (a day, a colour or a person).",
        gold=gold,
        reference=store(rng, rng.choice([gold, w])),
        correct=(gold, w, f"\\textbf{{{w}}}", f"\\mathrm{{{w}}}"),
        wrong=tuple(cands[:3]),
        forbidden=frozenset(),
    )


def _k_choice(rng: random.Random) -> Problem:
    letter = rng.choice("ABCDE")
    others = [x for x in "ABCDE" if x != letter]
    rng.shuffle(others)
    ref = rng.choice([letter, f"({letter})", f"\\text{{({letter})}}"])
    return Problem(
        kind="choice",
        question="Which of the following is the correct value? "
        "(A) 3 (B) 5 (C) 7 (D) 9 (E) 11 -- see the conditions below.",
        gold=letter,
        reference=store(rng, ref),
        correct=(
            letter,
            f"({letter})",
            f"\\text{{({letter})}}",
            f"\\textbf{{({letter})}}",
            f"\\text{{{letter}}}",
        ),
        wrong=tuple(others[:3]),
        forbidden=frozenset(),
    )


def _k_percent(rng: random.Random) -> Problem:
    p = rng.choice([n for n in range(5, 96) if n != 50])
    gold = f"{p}\\%"
    cand = [f"{100 - p}\\%", f"{p + 5}\\%", f"{p - 1}\\%"]
    return Problem(
        kind="percent",
        question="By what percent did the price change over the period described below?",
        gold=gold,
        reference=store(rng, rng.choice([gold, str(p)]), p),
        correct=(gold, str(p), f"{p}%", f"{p} \\%"),
        wrong=distinct(cand, p, lambda s: int(s.rstrip("\\%"))),
        forbidden=frozenset({Fraction(p), Fraction(p, 100)}),
    )


def _k_degrees(rng: random.Random) -> Problem:
    t = rng.choice([15, 20, 30, 36, 40, 45, 50, 54, 70, 72, 75, 80, 105, 108, 120, 135, 150])
    gold = f"{t}^\\circ"
    cand = [f"{90 - t}^\\circ", f"{180 - t}^\\circ", f"{t + 10}^\\circ", f"{2 * t}^\\circ"]
    return Problem(
        kind="degrees",
        question="In the figure described below, find the measure of the marked angle in degrees.",
        gold=gold,
        reference=store(rng, rng.choice([gold, f"{t}^{{\\circ}}", str(t)]), t),
        correct=(gold, f"{t}^{{\\circ}}", str(t), f"{t}°", f"{t} \\text{{ degrees}}"),
        wrong=distinct(
            [c for c in cand if not c.startswith("-") and not c.startswith("0")],
            t,
            lambda s: int(s.split("^")[0]),
        ),
        forbidden=frozenset({Fraction(t)}),
    )


def _k_scientific(rng: random.Random) -> Problem:
    mant = rng.choice([m for m in range(11, 100) if m % 10 != 0])
    e = rng.choice([3, 4, 5, 6, 7, 8, -3, -4, -5])
    v = Fraction(mant, 10) * Fraction(10) ** e
    ms = f"{mant // 10}.{mant % 10}"
    gold = f"{ms} \\times 10^{{{e}}}"
    plain = decimal(v)
    swapped = f"{mant % 10}.{mant // 10}"
    cands = {
        f"{ms} \\times 10^{{{e + 1}}}": v * 10,
        f"{ms} \\times 10^{{{e - 1}}}": v / 10,
        f"{swapped} \\times 10^{{{e}}}": Fraction(int(swapped.replace(".", "")), 10) * Fraction(10) ** e,
    }
    return Problem(
        kind="scientific",
        question="Using the constants given below, estimate the quantity asked for. Express it in scientific notation.",
        gold=gold,
        reference=store(rng, gold, int(v) if v.denominator == 1 else float(v)),
        correct=(
            gold,
            f"{ms}\\times10^{e}" if 0 <= e < 10 else f"{ms}\\times10^{{{e}}}",
            plain,
            f"{ms} \\cdot 10^{{{e}}}",
        ),
        wrong=distinct(list(cands), v, cands.__getitem__),
        forbidden=frozenset({v}),
    )


NUMERIC_BUILDERS = {
    "integer": _k_integer,
    "negative": _k_negative,
    "decimal": _k_decimal,
    "fraction": _k_fraction,
    "mixed_form": _k_mixed_form,
    "thousands": _k_thousands,
    "equation": _k_equation,
    "text": _k_text,
    "choice": _k_choice,
    "percent": _k_percent,
    "degrees": _k_degrees,
    "scientific": _k_scientific,
}
