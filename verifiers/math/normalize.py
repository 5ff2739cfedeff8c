"""Cheap normalisation of answers and references, and the fast path that avoids sympy.

Most answers in a GRPO group are plain numbers or the same string written the same way;
deciding those here (in microseconds, in the service process) is what makes scoring fast.
The fast path only returns a verdict when it is certain; everything else goes to the
sympy comparison in a killable worker.

Conventions (documented in the README):

* Numbers compare exactly (``0.5`` = ``\\frac{1}{2}`` = ``1/2``); when either side is written
  as a decimal, both are rounded to :data:`DECIMAL_PLACES` places first (math-verify's
  convention: ``0.333333`` = ``\\frac13``, but ``0.33`` ≠ ``\\frac13``).
* Percent: when exactly one side carries ``%``, ``50\\%`` matches both ``50`` and ``0.5``.
* Thousands separators (``1,234`` / ``1{,}234`` / ``1\\,234``), a leading currency sign,
  a comma that cannot separate thousands read as a decimal comma (``1,22`` = ``1.22``),
  units in ``\\text{}`` after a number, and degree marks are dropped.
* Repeating decimals ``0.\\overline{3}`` are exact fractions.
* Multiple-choice: a reference that is a single letter A–J (``A``, ``(A)``, ``\\text{(A)}``)
  is matched by letter.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from fractions import Fraction

from verifiers.math.structures import parse_structure, structures_equal

__all__ = [
    "Canon",
    "canonical",
    "clean_latex",
    "clean_reference",
    "fast_verdict",
    "fast_verdict_clean",
    "normalize_reference",
    "repeating_to_fraction",
]

DECIMAL_PLACES = 6
_MAX_DIGITS = 60
_MAX_LAYERS = 8  # delimiter layers peeled off an answer; hostile input may nest thousands
_MAX_PEEL_CHARS = 2_000  # larger literals go to sympy (and its deadline), not Fraction

_GSM8K_RE = re.compile(r"####\s*(.+?)\s*$", re.DOTALL)
_DELIMS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))
_THIN_SPACE_RE = re.compile(r"(?<!\\)\\[,;:!> ]|\\displaystyle\b|\\left\b|\\right\b|\\middle\b")
_WIDE_SPACE_RE = re.compile(r"\\q?quad\b|~")
_FRAC_RE = re.compile(r"\\[dt]frac\b")
_DEGREE_RE = re.compile(r"\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b")
_THOUSANDS_RE = re.compile(r"(?<=\d)(?:,|\{,\})(?=\d{3}(?!\d))")
_GROUPED_RE = re.compile(r"^[+-]?[1-9]\d{0,2}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA_RE = re.compile(r"^([+-]?\d+)(?:,|\{,\})(\d+)$")
_TEXT_CMD_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")
_UNIT_SUFFIX_RE = re.compile(r"(?<=[\d}])\s*\\(?:text|mbox|mathrm)\s*\{\s*[A-Za-z][A-Za-z .²³/^-]*\}\s*$")
_CURRENCY_RE = re.compile(r"^(?:\\\$|\$|USD\s*|€|£|\\euro\s*)")
_PERCENT_RE = re.compile(r"\s*(?:\\%|%|\s*\\text\{\s*percent\s*\}|\s*percent|\s*pct)\s*$", re.IGNORECASE)
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_SCI_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?:\\times|\\cdot|\*|x)\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$")
_SLASH_RE = re.compile(r"^([+-]?)(\d+)\s*/\s*(\d+)$")
_LATEX_FRAC_RE = re.compile(r"^([+-]?)\\frac\s*(?:\{\s*([+-]?\d+)\s*\}|(\d))\s*(?:\{\s*(\d+)\s*\}|(\d))$")
_REPEATING_RE = re.compile(r"([+-]?)(\d*)\.(\d*)\\overline\s*\{\s*(\d+)\s*\}")
_LETTER_RE = re.compile(r"^\(?\s*([A-J])\s*\)?[.:]?$")
_CHOICE_WITH_TEXT_RE = re.compile(r"^(?:\(\s*([A-J])\s*\)|([A-J])[.):])\s+\S")
_BARE_WORDS_RE = re.compile(r"^[A-Za-z]+(?: [A-Za-z]+)*$")
_MIN_BARE_WORD_LETTERS = 4  # shorter bare words may be products of variables ("xy")
_LEADING_VAR_EQ_RE = re.compile(r"^[a-zA-Z](?:_\{?\w+\}?)?\s*=\s*(?!.*=)")


def strip_delimiters(text: str) -> str:
    """Remove one layer of math delimiters and an enclosing ``\\boxed{}``, repeatedly."""
    s = text.strip()
    changed = True
    layers = 0
    while changed and s and layers < _MAX_LAYERS:
        changed = False
        layers += 1
        for open_, close in _DELIMS:
            if s.startswith(open_) and s.endswith(close) and len(s) >= len(open_) + len(close):
                s = s[len(open_) : len(s) - len(close)].strip()
                changed = True
                break
        for box in ("\\boxed", "\\fbox"):
            if s.startswith(box) and s.endswith("}"):
                inner = s[len(box) :].lstrip()
                if inner.startswith("{") and _balanced_outer(inner):
                    s = inner[1:-1].strip()
                    changed = True
    return s


def _balanced_outer(s: str) -> bool:
    """True when the braces at both ends of ``s`` enclose all of it."""
    depth = 0
    for i, ch in enumerate(s):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return depth == 0


def normalize_reference(reference: object) -> str | None:
    """The reference as text: numbers formatted, GSM8K ``#### 18`` reduced to ``18``."""
    if reference is None or isinstance(reference, bool):
        return None
    if isinstance(reference, int):
        return str(reference)
    if isinstance(reference, float):
        return repr(reference) if reference == reference else None
    if not isinstance(reference, str):
        return None
    m = _GSM8K_RE.search(reference)
    text = m.group(1) if m else reference
    text = text.strip()
    return text or None


def repeating_to_fraction(text: str) -> str:
    """``0.1\\overline{6}`` → ``\\frac{1}{6}`` so both paths see an exact value."""

    def repl(m: re.Match[str]) -> str:
        sign, whole, fixed, rep = m.group(1), m.group(2) or "0", m.group(3), m.group(4)
        value = Fraction(int(whole)) + (Fraction(int(fixed), 10 ** len(fixed)) if fixed else 0)
        value += Fraction(int(rep), (10 ** len(rep) - 1) * 10 ** len(fixed))
        if sign == "-":
            value = -value
        return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"

    return _REPEATING_RE.sub(repl, text) if "overline" in text else text


def clean_latex(text: str) -> str:
    """Cosmetic normalisation shared by both paths (no semantic change)."""
    s = strip_delimiters(text.strip().rstrip(".").strip())
    s = _THIN_SPACE_RE.sub("", s)
    s = _WIDE_SPACE_RE.sub(" ", s)
    s = _FRAC_RE.sub("\\\\frac", s)
    s = _DEGREE_RE.sub("", s)
    s = repeating_to_fraction(s)
    s = _strip_redundant_parens(s.strip().rstrip(".").strip())
    return s


def _strip_redundant_parens(s: str) -> str:
    """``((1))`` → ``1``; a tuple or interval (a comma inside, or a bracket) keeps its own.

    Quadratic in the nesting depth, so long answers are left as they are.
    """
    if len(s) > _MAX_PEEL_CHARS:
        return s
    while len(s) >= 2 and s[0] == "(" and s[-1] == ")":
        depth = 0
        for i, ch in enumerate(s):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
                if depth == 0 and i != len(s) - 1:
                    return s
            elif ch == "," and depth == 1:
                return s
        if depth != 0:
            return s
        s = s[1:-1].strip()
    return s


@dataclass(frozen=True, slots=True)
class Canon:
    """A cheaply comparable form of an answer.

    ``kind`` is ``"number"`` (``value`` a Fraction) or ``"letter"``.
    ``decimal`` records that the number was written with a decimal point; ``percent``
    that it carried a percent sign.
    """

    kind: str
    value: object
    decimal: bool = False
    percent: bool = False


def _parse_number(s: str) -> tuple[Fraction, bool] | None:
    s = s.replace(" ", "")
    if len(s) > _MAX_DIGITS:
        return None
    if _NUMBER_RE.match(s):
        if "e" in s.lower():
            mant, _, exp = s.lower().partition("e")
            if abs(int(exp)) > 50:
                return None
            return Fraction(mant) * Fraction(10) ** int(exp), True
        return Fraction(s), "." in s
    m = _SCI_RE.match(s)
    if m:
        power = int(m.group(2))
        if abs(power) > 50:
            return None
        return Fraction(m.group(1)) * Fraction(10) ** power, True
    m = _SLASH_RE.match(s)
    if m and int(m.group(3)) != 0:
        v = Fraction(int(m.group(2)), int(m.group(3)))
        return (-v if m.group(1) == "-" else v), False
    m = _LATEX_FRAC_RE.match(s)
    if m:
        num = int(m.group(2) or m.group(3))
        den = int(m.group(4) or m.group(5))
        if den == 0:
            return None
        v = Fraction(num, den)
        return (-v if m.group(1) == "-" else v), False
    return None


def _digits_only(s: str) -> str:
    """Drop thousands separators; read a comma that cannot be one as a decimal comma."""
    if _GROUPED_RE.match(s):
        return _THOUSANDS_RE.sub("", s)
    m = _DECIMAL_COMMA_RE.match(s)
    if m:
        return f"{m.group(1)}.{m.group(2)}"
    return s


def parse_plain_number(text: str) -> Fraction | None:
    """A part of a composite answer as an exact number (no percent, no units)."""
    number = _parse_number(_digits_only(text.strip()))
    return None if number is None else number[0]


def _words(s: str) -> tuple[str, bool] | None:
    """Lower-cased words of a text answer, and whether they were bare (no ``\\text{}``)."""
    m = _TEXT_CMD_RE.fullmatch(s)
    if m:
        words = " ".join(m.group(1).split()).lower()
        return (words, False) if words and not _LETTER_RE.match(words.upper()) else None
    if _BARE_WORDS_RE.match(s):
        return " ".join(s.split()).lower(), True
    return None


def canonical(text: str) -> Canon | None:
    """The cheap canonical form of an answer, or None when only sympy can tell."""
    return _canonical(clean_latex(text))


@functools.lru_cache(maxsize=4096)
def clean_reference(reference: str) -> str:
    """``clean_latex`` of a reference, cached: a GRPO group repeats its reference 16+ times."""
    return clean_latex(reference)


def _canonical(s: str) -> Canon | None:
    if not s or len(s) > 200:
        return None
    letter = _LETTER_RE.match(_TEXT_CMD_RE.sub(r"\1", s).strip())
    if letter:
        return Canon("letter", letter.group(1))
    s = _UNIT_SUFFIX_RE.sub("", s)
    percent = False
    m = _PERCENT_RE.search(s)
    if m:
        percent = True
        s = s[: m.start()]
    s = _CURRENCY_RE.sub("", s).strip()
    s = _digits_only(s)
    number = _parse_number(s)
    if number is not None:
        return Canon("number", number[0], decimal=number[1], percent=percent)
    return None


def _numbers_equal(a: Canon, b: Canon, places: int) -> bool:
    x, y = a.value, b.value
    assert isinstance(x, Fraction) and isinstance(y, Fraction)
    candidates = [(x, y)]
    if a.percent != b.percent:
        # "50%" vs "0.5" and "50%" vs "50" both count.
        pct, other = (x, y) if a.percent else (y, x)
        candidates = [(pct, other), (pct / 100, other)]
    for p, q in candidates:
        if p == q:
            return True
        if (a.decimal or b.decimal) and round(p, places) == round(q, places):
            return True
    return False


def _strip_leading_assignment(pred: str, gold: str) -> str:
    """``x = 5`` against a reference that is no equation compares ``5``."""
    if "=" in gold:
        return pred
    return _LEADING_VAR_EQ_RE.sub("", pred, count=1)


def fast_verdict(gold: str, pred: str, float_rounding: int = DECIMAL_PLACES) -> bool | None:
    """True/False when certain without sympy, else None."""
    return fast_verdict_clean(clean_reference(gold), clean_latex(pred), float_rounding)


def fast_verdict_clean(g_clean: str, pred: str, float_rounding: int = DECIMAL_PLACES) -> bool | None:
    """:func:`fast_verdict` on answers already through ``clean_latex`` (each cleaned once)."""
    pred = _strip_leading_assignment(pred, g_clean)
    if _squash(g_clean) == _squash(pred) and g_clean:
        return True
    g, p = _canonical(g_clean), _canonical(pred)
    if g is None:
        return _composite_verdict(g_clean, pred, float_rounding)
    if g.kind == "letter":
        if p is not None and p.kind == "letter":
            return g.value == p.value
        chosen = _CHOICE_WITH_TEXT_RE.match(_TEXT_CMD_RE.sub(r"\1", pred))
        if chosen:  # "(D) 42": the letter, then the option's text
            return g.value == (chosen.group(1) or chosen.group(2))
        return None
    if p is not None and p.kind == g.kind == "number":
        return _numbers_equal(g, p, float_rounding)
    return None


def _composite_verdict(gold: str, pred: str, float_rounding: int) -> bool | None:
    """Text answers and composites of plain numbers (see :mod:`verifiers.math.structures`)."""
    wg, wp = _words(gold), _words(pred)
    if wg is not None and wp is not None:
        if wg[0] == wp[0]:
            return True
        bare_short = any(bare and len(w.replace(" ", "")) < _MIN_BARE_WORD_LETTERS for w, bare in (wg, wp))
        return None if bare_short else False
    g, p = parse_structure(gold), parse_structure(pred)
    if g is None or p is None:
        return None
    return structures_equal(g, p, float_rounding)


def _squash(s: str) -> str:
    return "".join(s.split())
