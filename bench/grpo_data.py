"""A deterministic, labelled, GRPO-like batch of math completions.

Why this exists: the reward server is judged on the workload a GRPO trainer sends it —
16 completions per prompt, long reasoning, a short final answer that mostly repeats
within a group — and on whether its verdicts are right. Public data sets give the gold
answer but not labelled completions, so this module *writes* the completions and knows,
by construction, whether each one is correct, wrong or missing its final answer.

What the batch contains (all from one seed, so two runs compare the same items):

* 20 answer kinds (integers, fractions, radicals, intervals, matrices, ...), one per prompt
  in turn. Each kind lists equivalent spellings of the gold (``0.5`` / ``\\frac12``,
  ``x=5`` / ``5``, ``1,234`` / ``1234``) and plausible near misses (off by one, sign,
  open vs closed endpoint, transposed matrix) that are checked to differ from the gold.
* the reference stored the way data sets store it: bare LaTeX, ``$...$``, ``\\boxed{}``,
  GSM8K's ``#### 18``, or a JSON number.
* 200–800 words of templated reasoning with inline ``$...$`` arithmetic whose values are
  never the gold's, then the final answer in one of five forms (``<answer>`` tags with or
  without ``\\boxed``, ``\\boxed{}``, "The final answer is", "Answer:").
* ~8% truncated completions with no final answer; about a third of them mention the gold
  in the last ``$...$`` before the cut, the trap that makes unanchored extractors accept them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb, gcd

__all__ = ["FORMS", "KINDS", "LABELS", "Problem", "make_batch", "make_problem"]

FORMS = ("think_answer", "think_answer_boxed", "boxed", "final_answer_is", "answer_colon")
LABELS = ("correct", "wrong", "missing")

MIN_WORDS = 200
MAX_WORDS = 800
MISSING_RATE = 0.08
TRAP_RATE = 0.35

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


def _frac(v: Fraction, cmd: str = "\\frac") -> str:
    """LaTeX of a rational, sign in front (``-\\frac{3}{4}``), integers plain."""
    if v.denominator == 1:
        return str(v.numerator)
    sign = "-" if v < 0 else ""
    return f"{sign}{cmd}{{{abs(v.numerator)}}}{{{v.denominator}}}"


def _decimal(v: Fraction) -> str:
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


def _thousands(n: int, sep: str = ",") -> str:
    return f"{n:,}".replace(",", sep)


def _signed(c: int, first: bool = False) -> str:
    """A constant term with its sign: ``+ 3`` / ``- 3`` (or ``3`` / ``-3`` when first)."""
    if first:
        return str(c)
    return f"+ {c}" if c >= 0 else f"- {-c}"


def _linear(a: int) -> str:
    return f"(x {_signed(a)})"


def _poly(coeffs: Sequence[int]) -> str:
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


def _pi_frac(v: Fraction) -> str:
    p, q = v.numerator, v.denominator
    top = "\\pi" if p == 1 else f"{p}\\pi"
    return top if q == 1 else f"\\frac{{{top}}}{{{q}}}"


def _complex(re_: int, im: int) -> str:
    if im == 1:
        imag = "i"
    elif im == -1:
        imag = "-i"
    else:
        imag = f"{im}i"
    if re_ == 0:
        return imag
    return f"{re_} + {imag}" if im > 0 else f"{re_} - {imag[1:]}"


def _matrix(m: Sequence[Sequence[int]], env: str = "pmatrix", compact: bool = False) -> str:
    sep, row = ("&", "\\\\") if compact else (" & ", " \\\\ ")
    body = row.join(sep.join(str(x) for x in r) for r in m)
    pad = "" if compact else " "
    return f"\\begin{{{env}}}{pad}{body}{pad}\\end{{{env}}}"


def _interval(lo: int | None, hi: int | None, lc: bool, rc: bool, space: str = " ", lr: bool = False) -> str:
    left = "-\\infty" if lo is None else str(lo)
    right = "\\infty" if hi is None else str(hi)
    lb, rb = ("[" if lc else "("), ("]" if rc else ")")
    if lr:
        lb, rb = "\\left" + lb, "\\right" + rb
    return f"{lb}{left},{space}{right}{rb}"


def _distinct(candidates: Sequence[str], gold_key: object, key: Callable[[str], object]) -> tuple[str, ...]:
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


def _store(rng: random.Random, latex: str, number: float | None = None, gsm8k: bool = False) -> Reference:
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


# --------------------------------------------------------------------------- answer kinds
# Each builder draws one problem. ``key`` functions inside map a spelling to the value it
# denotes, so near misses are filtered against the gold by value, not by string.


def _k_integer(rng: random.Random) -> Problem:
    n = rng.randint(12, 999)
    noun = rng.choice(["apples", "students", "marbles", "cars", "tickets", "books"])
    rev = int(str(n)[::-1]) if str(n)[-1] != "0" else n
    wrong = _distinct([str(n + 1), str(n - 1), str(rev), str(2 * n), str(n + 10)], n, int)
    return Problem(
        kind="integer",
        question=f"A shop starts with some {noun} and after a series of sales and deliveries "
        f"described below ends with a new total. How many {noun} are there at the end?",
        gold=str(n),
        reference=_store(rng, str(n), n, gsm8k=True),
        correct=(str(n), f"{n} \\text{{ {noun}}}", f"{n}.0"),
        wrong=wrong,
        forbidden=frozenset({Fraction(n)}),
    )


def _k_negative(rng: random.Random) -> Problem:
    n = -rng.randint(2, 99)
    wrong = _distinct([str(-n), str(n - 1), str(n + 1)], n, int)
    return Problem(
        kind="negative",
        question=f"Find the minimum value of $f(x) = x^2 {_signed(2 * rng.randint(1, 9))}x + c$ for the constant $c$ "
        "determined by the conditions below.",
        gold=str(n),
        reference=_store(rng, str(n), n),
        correct=(str(n), f"{n}.0", f"- {-n}"),
        wrong=wrong,
        forbidden=frozenset({Fraction(n), Fraction(-n)}),
    )


def _k_decimal(rng: random.Random) -> Problem:
    cents = rng.choice([c for c in range(101, 1000) if c % 10 != 0])
    v = Fraction(cents, 100)
    gold = _decimal(v)
    swapped = gold[:-2] + gold[-1] + gold[-2]
    cand = [
        _decimal(v - Fraction(cents % 10, 100)),
        swapped,
        _decimal(v * 10),
        _decimal(v + Fraction(1, 100)),
    ]
    return Problem(
        kind="decimal",
        question="A runner covers a distance at a constant speed; using the table of split times below, "
        "find the average number of kilometres covered per minute, as a decimal.",
        gold=gold,
        reference=_store(rng, gold, float(v)),
        correct=(gold, gold + "0", _frac(v)),
        wrong=_distinct(cand, v, Fraction),
        forbidden=frozenset({v}),
    )


def _k_fraction(rng: random.Random) -> Problem:
    q = rng.randint(3, 13)
    p = rng.choice([p for p in range(1, 2 * q) if gcd(p, q) == 1 and p != q])
    sign = -1 if rng.random() < 0.25 else 1
    v = Fraction(sign * p, q)
    gold = _frac(v)
    s = "-" if sign < 0 else ""
    correct = [gold, _frac(v, "\\dfrac"), f"{s}{p}/{q}", _frac(v, "\\tfrac")]
    if p < 10 and q < 10:
        correct.append(f"{s}\\frac{p}{q}")
    correct.append(f"{s}\\frac{{{2 * p}}}{{{2 * q}}}")
    cand = [_frac(1 / v), _frac(v + Fraction(sign, q)), _frac(Fraction(sign * p, q + 1)), _frac(-v)]
    ref_latex = rng.choice([gold, _frac(v, "\\dfrac"), f"{s}{p}/{q}"])
    return Problem(
        kind="fraction",
        question="Two fair dice are rolled under the rule described below. What is the probability "
        "(or signed ratio) asked for? Express your answer as a common fraction.",
        gold=gold,
        reference=_store(rng, ref_latex),
        correct=tuple(correct),
        wrong=_distinct(cand, v, _value_of_frac),
        forbidden=frozenset({v}),
    )


def _value_of_frac(s: str) -> Fraction:
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


def _k_mixed_form(rng: random.Random) -> Problem:
    q = rng.choice([2, 4, 5, 8, 10, 20, 25])
    p = rng.choice([p for p in range(1, 3 * q) if gcd(p, q) == 1 and p % q != 0])
    v = Fraction(p, q)
    dec, fr = _decimal(v), _frac(v)
    compact = f"\\frac{p}{q}" if p < 10 and q < 10 else fr
    gold_is_decimal = rng.random() < 0.5
    gold = dec if gold_is_decimal else fr
    other = [fr, compact, f"{p}/{q}"] if gold_is_decimal else [dec, compact]
    cand = [_decimal(v + Fraction(1, 10)), _frac(Fraction(p + 1, q)), _decimal(v * 2), _frac(Fraction(q, p))]
    return Problem(
        kind="mixed_form",
        question="A recipe is scaled as described below. What fraction of a cup of sugar is needed?",
        gold=gold,
        reference=_store(rng, gold, float(v) if gold_is_decimal else None),
        correct=(*other, gold),
        wrong=_distinct(cand, v, _value_of_frac),
        forbidden=frozenset({v}),
    )


def _k_thousands(rng: random.Random) -> Problem:
    n = rng.randint(1001, 999_999)
    if n % 1000 < 100:
        n += 100
    digits = str(n)
    swapped = int(digits[:-2] + digits[-1] + digits[-2])
    cand = [_thousands(n + 1), _thousands(swapped), _thousands(n - 1000), _thousands(n * 10)]
    gold = _thousands(n)

    def key(s: str) -> int:
        return int(s.replace(",", ""))

    return Problem(
        kind="thousands",
        question="A city's population grows as described in the table below. What is the population "
        "after the last year shown?",
        gold=gold,
        reference=_store(rng, rng.choice([gold, str(n), _thousands(n, "{,}")]), n, gsm8k=True),
        correct=(gold, str(n), _thousands(n, "{,}"), _thousands(n, "\\,")),
        wrong=_distinct(cand, n, key),
        forbidden=frozenset({Fraction(n)}),
    )


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
    wrong = _distinct(list(cand), a * a * b, cand.__getitem__)
    return Problem(
        kind="radical",
        question="In the right triangle described below, find the length of the hypotenuse in simplest radical form.",
        gold=gold,
        reference=_store(rng, gold),
        # ``\\sqrt13`` is sqrt(1)*3 in TeX: the brace-less spellings only for one-digit radicands
        correct=(gold, f"\\sqrt{{{a * a * b}}}", *((f"{a} \\sqrt {b}", f"{a}\\sqrt{b}") if b < 10 else ())),
        wrong=wrong,
        forbidden=frozenset(),
    )


def _k_pi(rng: random.Random) -> Problem:
    q = rng.choice([2, 3, 4, 6, 12])
    p = rng.choice([p for p in range(1, 2 * q) if gcd(p, q) == 1])
    v = Fraction(p, q)
    gold = _pi_frac(v)
    top = "" if p == 1 else str(p)
    correct = (gold, f"\\frac{{{p}}}{{{q}}}\\pi", f"{top}\\pi/{q}", f"\\frac{{{top}\\pi}}{{{q}}}")
    cands = {_pi_frac(w): w for w in (v * 2, v + Fraction(1, q), Fraction(q, p), v / 2) if w > 0}
    return Problem(
        kind="pi",
        question="Find the smallest positive angle, in radians, satisfying the equation described below.",
        gold=gold,
        reference=_store(rng, gold),
        correct=correct,
        wrong=_distinct(list(cands), v, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_polynomial(rng: random.Random) -> Problem:
    nz = [n for n in range(-6, 7) if n != 0]
    a = rng.choice(nz)
    b = rng.choice([n for n in nz if n != -a])
    coeffs = (1, a + b, a * b)
    expanded = _poly(coeffs)
    factored = f"{_linear(a)}^2" if a == b else f"{_linear(a)}{_linear(b)}"
    swapped = factored if a == b else f"{_linear(b)}{_linear(a)}"
    gold_factored = rng.random() < 0.5
    gold = factored if gold_factored else expanded
    correct = (expanded, factored, swapped) if gold_factored else (factored, expanded, swapped)
    cands = {
        _poly((1, a + b, a * b + 1)): (1, a + b, a * b + 1),
        _poly((1, -(a + b), a * b)): (1, -(a + b), a * b),
        f"{_linear(a)}{_linear(-b)}": (1, a - b, -a * b),
        _poly((1, a + b + 1, a * b)): (1, a + b + 1, a * b),
    }
    return Problem(
        kind="polynomial",
        question=f"Simplify $(x {_signed(a)})(x {_signed(b)})$ if asked to expand, or factor "
        f"$x^2 {_signed(a + b)}x {_signed(a * b)}$ completely, as described below.",
        gold=gold,
        reference=_store(rng, gold),
        correct=correct,
        wrong=_distinct(list(cands), coeffs, cands.__getitem__),
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
    gold = _interval(*spec)
    cands: dict[str, tuple[int | None, int | None, bool, bool]] = {}
    if lo is not None:
        cands[_interval(lo, hi, not lc, rc)] = (lo, hi, not lc, rc)
        cands[_interval(lo - 1, hi, lc, rc)] = (lo - 1, hi, lc, rc)
    if hi is not None:
        cands[_interval(lo, hi, lc, not rc)] = (lo, hi, lc, not rc)
        cands[_interval(lo, hi + 1, lc, rc)] = (lo, hi + 1, lc, rc)
    return Problem(
        kind="interval",
        question="Solve the inequality described below. Express your answer in interval notation.",
        gold=gold,
        reference=_store(rng, gold),
        correct=(gold, _interval(*spec, space=""), _interval(*spec, lr=True)),
        wrong=_distinct(list(cands), spec, cands.__getitem__),
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
        reference=_store(rng, gold),
        correct=(gold, f"({x},{y})", f"\\left({x}, {y}\\right)", f"x = {x}, y = {y}"),
        wrong=_distinct(list(cands), (x, y), cands.__getitem__),
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
        question=f"Find all real solutions of $x^2 {_signed(-(r1 + r2))}x {_signed(r1 * r2)} = 0$. "
        "Enter all the solutions, separated by commas.",
        gold=gold,
        reference=_store(rng, gold),
        correct=(f"{r1}, {r2}", f"{r2}, {r1}", f"\\{{{r1}, {r2}\\}}", f"\\{{{r2},{r1}\\}}"),
        wrong=_distinct(list(cands), roots, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_matrix(rng: random.Random) -> Problem:
    a, d = rng.randint(-5, 9), rng.randint(-5, 9)
    b = rng.randint(-5, 9)
    c = rng.choice([n for n in range(-5, 10) if n != b])
    m = ((a, b), (c, d))
    gold = _matrix(m)
    cands = {
        _matrix(((a, c), (b, d))): ((a, c), (b, d)),
        _matrix(((a, b), (c, d + 1))): ((a, b), (c, d + 1)),
        _matrix(((-a, b), (c, d))): ((-a, b), (c, d)),
        _matrix(((a, b), (-c, d))): ((a, b), (-c, d)),
    }
    return Problem(
        kind="matrix",
        question="Compute the product of the two $2 \\times 2$ matrices described below.",
        gold=gold,
        reference=_store(rng, gold),
        correct=(gold, _matrix(m, "bmatrix"), _matrix(m, compact=True)),
        wrong=_distinct(list(cands), m, cands.__getitem__),
        forbidden=frozenset(),
    )


def _k_complex(rng: random.Random) -> Problem:
    re_ = rng.choice([n for n in range(-9, 10) if n != 0])
    im = rng.choice([n for n in range(-9, 10) if n not in (0, re_)])
    gold = _complex(re_, im)
    if im > 1 or im < -1:
        tight = gold.replace(" ", "")
        spaced_i = gold[:-1] + " i"
        flipped = f"{im}i {_signed(re_)}"
    else:
        tight, spaced_i, flipped = gold.replace(" ", ""), gold.replace(" ", ""), gold
    cands = {
        _complex(re_, -im): (re_, -im),
        _complex(im, re_): (im, re_),
        _complex(re_, im + 1): (re_, im + 1),
        _complex(-re_, im): (-re_, im),
    }
    return Problem(
        kind="complex",
        question="Simplify the complex expression described below. Write your answer in the form $a+bi$.",
        gold=gold,
        reference=_store(rng, rng.choice([gold, tight])),
        correct=(gold, tight, flipped, spaced_i),
        wrong=_distinct([k for k in cands if cands[k][1] != 0], (re_, im), cands.__getitem__),
        forbidden=frozenset(),
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
        reference=_store(rng, gold, v),
        correct=(f"{var} = {v}", gold, f"{var}={v}"),
        wrong=_distinct(cand, v, lambda s: int(s.split("=")[1])),
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
        reference=_store(rng, rng.choice([gold, w])),
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
        reference=_store(rng, ref),
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
        reference=_store(rng, rng.choice([gold, str(p)]), p),
        correct=(gold, str(p), f"{p}%", f"{p} \\%"),
        wrong=_distinct(cand, p, lambda s: int(s.rstrip("\\%"))),
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
        reference=_store(rng, rng.choice([gold, f"{t}^{{\\circ}}", str(t)]), t),
        correct=(gold, f"{t}^{{\\circ}}", str(t), f"{t}°", f"{t} \\text{{ degrees}}"),
        wrong=_distinct(
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
    plain = _decimal(v)
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
        reference=_store(rng, gold, int(v) if v.denominator == 1 else float(v)),
        correct=(
            gold,
            f"{ms}\\times10^{e}" if 0 <= e < 10 else f"{ms}\\times10^{{{e}}}",
            plain,
            f"{ms} \\cdot 10^{{{e}}}",
        ),
        wrong=_distinct(list(cands), v, cands.__getitem__),
        forbidden=frozenset({v}),
    )


_BUILDERS: dict[str, Callable[[random.Random], Problem]] = {
    "integer": _k_integer,
    "negative": _k_negative,
    "decimal": _k_decimal,
    "fraction": _k_fraction,
    "mixed_form": _k_mixed_form,
    "thousands": _k_thousands,
    "radical": _k_radical,
    "pi": _k_pi,
    "polynomial": _k_polynomial,
    "interval": _k_interval,
    "tuple": _k_tuple,
    "set": _k_set,
    "matrix": _k_matrix,
    "complex": _k_complex,
    "equation": _k_equation,
    "text": _k_text,
    "choice": _k_choice,
    "percent": _k_percent,
    "degrees": _k_degrees,
    "scientific": _k_scientific,
}
KINDS: tuple[str, ...] = tuple(_BUILDERS)


def make_problem(kind: str, rng: random.Random) -> Problem:
    return _BUILDERS[kind](rng)


# --------------------------------------------------------------------------- reasoning text

_FILLER = (
    "Let me think about this step by step.",
    "Okay, so first I need to understand what the problem is really asking.",
    "Wait, I should double-check that before moving on.",
    "That seems consistent with the conditions given in the problem.",
    "Hmm, let me reconsider the setup, because something feels off.",
    "Now I need to be careful about the edge cases here.",
    "Let me organize what I know so far.",
    "Okay, that part is settled, so let me continue with the next piece.",
    "Actually, there might be a cleaner way to see this.",
    "I will go back and verify each step before committing to anything.",
    "The key observation is that the two conditions interact in a simple way.",
    "So the constraint on the second quantity is the one that matters most.",
    "Let me re-read the problem statement to make sure I did not miss a detail.",
    "This is a standard technique, but it is easy to make a sign error.",
    "I think the approach is right, but the arithmetic needs another look.",
    "Alternatively, I could try a small case to build some intuition.",
    "Right, and that matches what I expected from the symmetry of the problem.",
    "Let me write this more carefully, one line at a time.",
    "No wait, that is not quite right; the earlier value was for a different case.",
    "Good, both approaches agree so far, which is reassuring.",
    "If I am not careful I will double count some of the cases.",
    "It helps to name the unknown quantity and write everything in terms of it.",
)

_Sentence = tuple[str, tuple[Fraction, ...]]


def _math_sentence(rng: random.Random) -> _Sentence:
    """One sentence of plausible arithmetic with the values it shows (to check against the gold)."""
    a, b, c = rng.randint(2, 60), rng.randint(2, 60), rng.randint(61, 150)
    k = rng.randint(2, 9)
    pick = rng.randrange(14)
    F = Fraction
    if pick == 0:
        return f"Adding the two parts gives ${a} + {b} = {a + b}$.", (F(a), F(b), F(a + b))
    if pick == 1:
        return f"There are ${a} \\times {k} = {a * k}$ arrangements in this case.", (F(a), F(k), F(a * k))
    if pick == 2:
        return f"That leaves ${c} - {a} = {c - a}$ for the remaining part.", (F(c), F(a), F(c - a))
    if pick == 3:
        return (
            f"Substituting $n = {k}$ into $n^2 - {b}$ gives ${k * k - b}$, which is not what we want.",
            (F(k), F(b), F(k * k - b)),
        )
    if pick == 4:
        d = b * b - 4 * k * a
        return (
            f"The discriminant is $b^2 - 4ac = {b}^2 - 4 \\cdot {k} \\cdot {a} = {d}$.",
            (F(b), F(k), F(a), F(d)),
        )
    if pick == 5:
        return (
            f"So the ratio at this stage is $\\frac{{{a}}}{{{c}}}$, which I will keep as it is for now.",
            (F(a, c), F(a), F(c)),
        )
    if pick == 6:
        return f"Dividing, $\\frac{{{a * k}}}{{{k}}} = {a}$.", (F(a * k), F(k), F(a))
    if pick == 7:
        n = rng.randint(5, 20)
        return f"The number of pairs is $\\binom{{{n}}}{{2}} = {comb(n, 2)}$.", (F(n), F(comb(n, 2)))
    if pick == 8:
        return (
            f"If $x = {a}$, then $2x + {b} = {2 * a + b}$, which is too large.",
            (F(a), F(b), F(2 * a + b)),
        )
    if pick == 9:
        return f"The perimeter of that piece is $2({a} + {b}) = {2 * (a + b)}$.", (F(a), F(b), F(2 * (a + b)))
    if pick == 10:
        return f"Checking $k = {k}$: we get ${k}^3 = {k**3}$.", (F(k), F(k**3))
    if pick == 11:
        return (f"Multiplying both sides by ${k}$ gives ${k}x = {k * a}$.", (F(k), F(k * a), F(a)))
    if pick == 12:
        m = rng.randint(3, 11)
        return (f"Reducing, ${c} \\equiv {c % m} \\pmod{{{m}}}$.", (F(c), F(c % m), F(m)))
    return (
        f"Let me write it out:\n\\[ {a} \\cdot {k} + {b} = {a * k + b} \\]\nand continue from there.",
        (F(a), F(k), F(b), F(a * k + b)),
    )


def _sentence(rng: random.Random, forbidden: frozenset[Fraction], math_ok: bool) -> str:
    """A filler or arithmetic sentence that never shows a forbidden value."""
    if math_ok and rng.random() < 0.45:
        for _ in range(20):
            text, values = _math_sentence(rng)
            if not forbidden.intersection(values):
                return text
    return rng.choice(_FILLER)


def _words(text: str) -> int:
    return len(text.split())


def _reasoning(
    rng: random.Random, n_words: int, forbidden: frozenset[Fraction], trap: str | None = None
) -> str:
    """Paragraphs of reasoning of about ``n_words`` words.

    With ``trap``, the gold is written in ``$...$`` some 15–40 words before the end and only
    math-free sentences follow: the last inline math of the text is then the gold.
    """
    trap_at = n_words - rng.randint(15, 40) if trap is not None else None
    paragraphs: list[str] = []
    para: list[str] = []
    count = 0
    while count < n_words:
        if trap_at is not None and trap is not None and count >= trap_at:
            s = rng.choice(
                [
                    f"Tentatively this suggests ${trap}$, but I have not checked the other condition yet.",
                    f"One candidate is ${trap}$, although I am not convinced it satisfies everything.",
                    f"If that is right we would get ${trap}$, but let me verify the second case first.",
                ]
            )
            trap = None
        else:
            s = _sentence(rng, forbidden, math_ok=trap_at is None or count < trap_at)
        para.append(s)
        count += _words(s)
        if len(para) >= rng.randint(3, 6):
            paragraphs.append(" ".join(para))
            para = []
    if para:
        paragraphs.append(" ".join(para))
    return "\n\n".join(paragraphs)


def _cut(text: str, n_words: int) -> str:
    """The text up to its ``n_words``-th word: a completion stopped by the length limit."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    if n_words >= len(ends):
        return text
    return text[: ends[n_words - 1]]


# --------------------------------------------------------------------------- final answers

_INSTRUCTIONS = {
    "think_answer": "Think first inside <think> </think>, then give only the final answer inside <answer> </answer>.",
    "think_answer_boxed": "Think inside <think> </think>, then give the final answer as \\boxed{} inside <answer> </answer>.",
    "boxed": "Please reason step by step, and put your final answer within \\boxed{}.",
    "final_answer_is": "Solve the problem. End with 'The final answer is $X$. I hope it is correct.'",
    "answer_colon": "Solve the problem step by step. On the last line write 'Answer: ' followed by the answer.",
}


def _needs_math(answer: str) -> bool:
    return any(ch in answer for ch in "\\^{}")


def _latexy(answer: str) -> str:
    """A percent sign inside math must be escaped; models write ``25\\%`` there."""
    return answer.replace("%", "\\%") if "%" in answer and "\\%" not in answer else answer


def _final(rng: random.Random, form: str, answer: str) -> str:
    """The closing of a completion that states ``answer`` in ``form``."""
    if form == "think_answer":
        return rng.choice(
            [f"<answer>{answer}</answer>", f"<answer> {answer} </answer>", f"<answer>\n{answer}\n</answer>"]
        )
    la = _latexy(answer)
    if form == "think_answer_boxed":
        return rng.choice([f"<answer>\\boxed{{{la}}}</answer>", "<answer>$\\boxed{" + la + "}$</answer>"])
    if form == "boxed":
        return rng.choice(
            [
                f"Therefore, the answer is $\\boxed{{{la}}}$.",
                f"So the final answer is:\n\\[\n\\boxed{{{la}}}\n\\]",
                f"Thus the answer is \\boxed{{{la}}}.",
            ]
        )
    if form == "final_answer_is":
        tail = rng.choice([" I hope it is correct.", ""])
        return f"The final answer is ${la}$.{tail}"
    shown = f"${la}$" if _needs_math(answer) else answer
    return rng.choice([f"Answer: {shown}", f"**Answer:** {shown}"])


def _completion(rng: random.Random, problem: Problem, form: str, label: str, answer: str | None) -> str:
    """A full completion. ``answer`` is what it states finally (None when missing)."""
    think = form.startswith("think")
    if label == "missing":
        n = rng.randint(MIN_WORDS, MAX_WORDS) - int(think)
        trap = rng.choice(problem.correct) if rng.random() < TRAP_RATE else None
        if trap is not None:
            trap = _latexy(trap)
        body = _cut(_reasoning(rng, n + 5, problem.forbidden, trap), n)
        return ("<think>\n" + body) if think else body
    assert answer is not None
    final = _final(rng, form, answer)
    recap = f"\n\nPutting everything together, we get ${_latexy(answer)}$." if rng.random() < 0.4 else ""
    # a sentence overshoots the target by at most ~25 words: aim inside the bounds
    total = rng.randint(MIN_WORDS, MAX_WORDS - 30)
    body = _reasoning(rng, total - _words(final) - _words(recap) - 2 * int(think), problem.forbidden) + recap
    if think:
        return f"<think>\n{body}\n</think>\n{final}"
    return f"{body}\n\n{final}"


def _group_labels(rng: random.Random, n: int) -> list[str]:
    """Labels for one group: prompts differ in difficulty, so the correct rate varies by group."""
    p_correct = rng.choice([0.95, 0.85, 0.75, 0.65, 0.55, 0.4])
    out = []
    for _ in range(n):
        if rng.random() < MISSING_RATE:
            out.append("missing")
        else:
            out.append("correct" if rng.random() < p_correct else "wrong")
    return out


def _pick(rng: random.Random, options: Sequence[str], dominant: float) -> str:
    """The first option with probability ``dominant``, else any other: answers repeat within a group."""
    if len(options) == 1 or rng.random() < dominant:
        return options[0]
    return rng.choice(list(options[1:]))


def _group(seed: int, index: int, per_prompt: int) -> list[dict[str, object]]:
    rng = random.Random(f"grpo-bench:{seed}:{index}")
    kind = KINDS[index % len(KINDS)]
    problem = make_problem(kind, rng)
    main_form = rng.choice(FORMS)
    group = f"p{index:04d}"
    prompt = f"{problem.question}\n\n{_INSTRUCTIONS[main_form]}"
    wrong_order = list(problem.wrong)
    rng.shuffle(wrong_order)
    items: list[dict[str, object]] = []
    for j, label in enumerate(_group_labels(rng, per_prompt)):
        form = main_form if rng.random() < 0.8 else rng.choice(FORMS)
        answer: str | None = None
        if label == "correct":
            answer = _pick(rng, problem.correct, 0.7)
        elif label == "wrong":
            answer = _pick(rng, wrong_order, 0.6)
        items.append(
            {
                "id": f"{group}-{j:02d}",
                "group": group,
                "prompt": prompt,
                "completion": _completion(rng, problem, form, label, answer),
                "reference": problem.reference,
                "label": label,
                "kind": kind,
                "answer": answer,
                "form": form,
            }
        )
    return items


def make_batch(n_prompts: int = 125, per_prompt: int = 16, seed: int = 0) -> list[dict[str, object]]:
    """``n_prompts`` groups of ``per_prompt`` labelled completions, identical for a given seed.

    Each item: ``id``, ``group``, ``prompt``, ``completion``, ``reference`` (as stored by a
    data set), ``label`` (correct / wrong / missing), ``kind`` (answer kind), plus ``answer``
    (the final answer as written, None when missing) and ``form`` (how it was written).
    Each group has its own random stream, so a group does not change with ``n_prompts``.
    """
    items: list[dict[str, object]] = []
    for i in range(n_prompts):
        items.extend(_group(seed, i, per_prompt))
    return items


if __name__ == "__main__":  # a quick look at the data: python bench/grpo_data.py
    import collections
    import json

    batch = make_batch()
    print(json.dumps(collections.Counter(str(it["label"]) for it in batch)))
    print(json.dumps(collections.Counter(str(it["form"]) for it in batch)))
    print(batch[3]["completion"])
