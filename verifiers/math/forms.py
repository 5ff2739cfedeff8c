"""Answer forms that math-verify reads differently from a careful grader, settled first.

Each stage takes the extracted answer (and the reference) as text and either rewrites it
into a form both comparison paths read correctly, or decides the item outright. They run
before the fast path and the symbolic job, so the two paths never disagree about them.

* Trailing words after a number: a unit (``5 dollars``, ``12\\text{ cm}``, ``3 hours``) is
  dropped; a multiplier (``1.5\\text{ million}``) scales the number; any other text
  (``4\\text{ or more}``, ``18 is wrong``) qualifies the number and the answer is not it.
* Digits separated by spaces: thousands groups (``1 000 000``) are one number, a whole
  number before a proper fraction (``2 1/2``) is a mixed number; anything else (``2 3``) has
  no single reading and scores 0 (math-verify reads ``2 3`` as 5 and ``2 1/2`` as 3/2).
* Shapes: a set ``\\{1, 2\\}`` is never a tuple or an interval ``(1, 2)`` (math-verify reads
  the pair as an open interval and lets them match).
* Products of single letters written with a space (``2\\pi r h``) are made explicit for the
  symbolic path: math-verify drops a trailing ``h`` there as if it were "hours".
* Relations against an interval reference: ``2 < x \\le 5``, ``x \\neq 3`` and
  ``x < 1 \\text{ or } x > 2`` become interval notation (and the other way round).
* Named assignments against a tuple reference: ``y = -1, x = 3`` is read in alphabetical
  order of the names, ``(3, -1)`` (the convention of (x, y), (a, b, c), (m, n) problems).
* Yes/no and choice letters: ``\\text{Yes, it is possible}`` answers "Yes"; ``Option C``,
  ``The correct option is C.`` and ``\\textbf{(E)}\\ \\frac{1}{2}`` choose a letter.
* Long integers compare exactly as digit strings (Python refuses ``int()`` of more than
  4,300 digits; math-verify then parses nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from verifiers.types import Score, Status

__all__ = ["Prepared", "prepare", "explicit_products", "UNIT_WORDS", "MULTIPLIERS"]

# Words that never belong to a unit: a number followed by them says something about the
# number ("or more", "is wrong", "at least") instead of measuring it.
_NOT_UNIT = frozenset(
    """or and not no nor is are was were be been more less fewer greater smaller larger than
    wrong incorrect correct right false true yes maybe possibly probably approximately approx
    about around roughly nearly almost at least most exactly only just if but then so it its
    this that these those answer answers the a an none either neither both all some any plus
    minus times over under above below up to from with without each every final result
    solution solutions value values total sum ways case cases otherwise else when where which
    what who impossible undefined infinite infinity unknown something nothing""".split()
)
# Units and counted things are dropped after a number. Short ones are listed (``cm``,
# ``h``); a longer word not in _NOT_UNIT counts as a counted noun (``7 apples``).
UNIT_WORDS = frozenset(
    """m cm mm km in ft yd mi g kg mg lb lbs oz s sec ms min h hr hrs l ml cl dl mph kph kmh
    km/h m/s cm2 m2 km2 cm3 m3 mm2 deg rad sq cu usd eur gbp""".split()
)
MULTIPLIERS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_MAX_UNIT_WORDS = 4
_MIN_NOUN_LETTERS = 3

_TEXT_TAIL_RE = re.compile(r"^(?P<head>.*?[\d})])\s*\\(?:text|mbox|mathrm|textrm|textnormal)\s*\{(?P<text>[^{}]*)\}\s*\.?$", re.DOTALL)
_BARE_TAIL_RE = re.compile(r"^(?P<head>.*?\d)\s+(?P<text>[A-Za-z][A-Za-z .²³/^-]*?)\s*\.?$", re.DOTALL)
_WORD_RE = re.compile(r"[A-Za-z]+(?:/[A-Za-z]+)?[²³]?|\^\d")
_NUMERIC_HEAD_RE = re.compile(r"^[+-]?(?:\\\$|\$)?\s*(?:\d[\d,{}\s]*(?:\.\d+)?|\.\d+)$")

_SPACED_RE = re.compile(r"^([+-]?)(\d+(?:[ \t]+\d+)+)(\.\d+)?$")
_THOUSANDS_GROUPS_RE = re.compile(r"^\d{1,3}(?:[ \t]+\d{3})+$")
_MIXED_RE = re.compile(
    r"^([+-]?)(\d+)(?:[ \t]+|\\[,;: ]|~)+(?:(\d+)\s*/\s*(\d+)|\\[dt]?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\})$"
)
_LONG_INT_RE = re.compile(r"^([+-]?)0*(\d+)$")
_LONG_INT_DIGITS = 50

_SET_RE = re.compile(r"^(?:\\left\s*)?\\\{.*(?:\\right\s*)?\\\}$", re.DOTALL)
_SINGLE_LETTER_GAP_RE = re.compile(r"(?<![\\A-Za-z])([A-Za-z])\s+(?=[A-Za-z](?![A-Za-z]))")

_REL_OPS = {
    "<": "<", "\\lt": "<", ">": ">", "\\gt": ">", "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=",
    "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=", "≤": "<=", "≥": ">=", "\\neq": "!=", "\\ne": "!=", "≠": "!=",
}
_REL_RE = re.compile(r"\\leqslant|\\geqslant|\\leq|\\geq|\\neq|\\le|\\ge|\\ne|\\lt|\\gt|≤|≥|≠|<|>")
_OR_RE = re.compile(r"\s*(?:\\text\s*\{\s*or\s*\}|\\mathrm\s*\{\s*or\s*\}|\\lor|\\vee|\bor\b)\s*")
_VAR_RE = re.compile(r"^[a-zA-Z]$")

_ASSIGN_SPLIT_RE = re.compile(r"\s*(?:,|;|\\text\s*\{\s*,?\s*and\s*\}|\band\b|\\quad|\\qquad)\s*")
_ASSIGN_RE = re.compile(r"^([a-zA-Z])\s*=\s*([^=]+)$")
_TUPLE_RE = re.compile(r"^\((.*)\)$", re.DOTALL)

_TEXT_CMD_RE = re.compile(r"\\(?:text|textbf|textit|mathrm|mathbf|mbox|textrm)\s*\{([^{}]*)\}")
_YES_NO = ("yes", "no")
_LETTER_REF_RE = re.compile(r"^\(?\s*([A-J])\s*\)?$")
_CHOICE_PATTERNS = (
    re.compile(r"^(?:the\s+)?(?:correct\s+|right\s+|final\s+)?(?:option|choice|answer)\s*(?:is\s*)?:?\s*\(?([A-J])\)?\s*\.?$", re.I),
    re.compile(r"^\(\s*([A-J])\s*\)\s*(?:\\ |\\,|~)?\s*(?=\S)"),
)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The answer and reference to compare, after the stages; ``notes`` says what changed."""

    answer: str
    reference: str
    notes: tuple[str, ...] = ()


def _strip_outer(text: str) -> str:
    s = text.strip()
    for open_, close in (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$")):
        if s.startswith(open_) and s.endswith(close) and len(s) >= len(open_) + len(close):
            return s[len(open_) : len(s) - len(close)].strip()
    return s


def _tail_kind(text: str) -> tuple[str, int] | None:
    """``("unit", 0)``, ``("multiplier", k)``, ``("qualifier", 0)``, or None when the words
    could as well be variables (``2 x``) and are left to the comparison."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    rest = _WORD_RE.sub("", text).replace("per", "")
    if any(w.rstrip("²³") in _NOT_UNIT for w in words):
        return "qualifier", 0
    if not words or len(words) > _MAX_UNIT_WORDS or re.search(r"[^\s./^-]", rest):
        return None
    if len(words) == 1 and words[0] in MULTIPLIERS:
        return "multiplier", MULTIPLIERS[words[0]]
    for w in words:
        base = w.rstrip("²³")
        if base in MULTIPLIERS:
            return "qualifier", 0
        if base not in UNIT_WORDS and base not in ("square", "cubic", "per") and len(base) < _MIN_NOUN_LETTERS and not base.startswith("^"):
            return None
    return "unit", 0


def _split_tail(answer: str) -> tuple[str, str] | None:
    """``(head, text)`` for an answer that is math followed by trailing words."""
    m = _TEXT_TAIL_RE.match(answer) or _BARE_TAIL_RE.match(answer)
    if m is None or not m.group("text").strip():
        return None
    return m.group("head").strip(), m.group("text").strip()


def _tail(answer: str, reference: str) -> str | Score:
    """Drop a unit, scale by a multiplier, or refuse a qualifier (see the module doc)."""
    split = _split_tail(answer)
    if split is None:
        return answer
    head, text = split
    kind = _tail_kind(text)
    if kind is None:
        return answer
    if kind[0] == "qualifier":
        ref_split = _split_tail(reference)
        if ref_split is not None and ref_split[1] == text:
            return answer
        return Score(0.0, Status.OK, f"the number is qualified by text that is not a unit ({text[:40]!r})")
    if kind[0] == "multiplier":
        if not _NUMERIC_HEAD_RE.match(head):
            return answer
        return f"{head} \\times 10^{{{kind[1]}}}"
    return head


def _spaced_digits(answer: str) -> str | Score:
    m = _MIXED_RE.match(answer)
    if m:
        sign, whole = m.group(1), int(m.group(2))
        num, den = int(m.group(3) or m.group(5)), int(m.group(4) or m.group(6))
        if den == 0 or num >= den:
            return Score(0.0, Status.OK, "a whole number next to an improper fraction has no single reading")
        value = Fraction(whole * den + num, den)
        return f"{sign}\\frac{{{value.numerator}}}{{{value.denominator}}}"
    m = _SPACED_RE.match(answer)
    if m is None:
        return answer
    if _THOUSANDS_GROUPS_RE.match(m.group(2)):
        return m.group(1) + re.sub(r"\s+", "", m.group(2)) + (m.group(3) or "")
    return Score(0.0, Status.OK, "digits separated by spaces (not groups of three) are not one number")


def _shape(text: str) -> str | None:
    s = _strip_outer(text)
    if _SET_RE.match(s):
        return "set"
    if len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _top_level_comma(s[1:-1]):
        return "tuple"
    return None


def _top_level_comma(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


def explicit_products(text: str) -> str:
    """``r h`` → ``r\\,h`` between single letters, so math-verify multiplies instead of
    dropping the last letter as a unit. Commands (``\\sin x``) are left alone."""
    return _SINGLE_LETTER_GAP_RE.sub(r"\1\\,", text) if " " in text else text


# --- relations and intervals -----------------------------------------------------------


def _relation_interval(part: str) -> str | None:
    """One relation chain in one variable as interval notation, or None."""
    pieces = _REL_RE.split(part)
    ops = [_REL_OPS[o] for o in _REL_RE.findall(part)]
    pieces = [p.strip() for p in pieces]
    if not ops or any(not p for p in pieces):
        return None
    if len(ops) == 1:
        (a, b), op = pieces, ops[0]
        if _VAR_RE.match(a) and not _VAR_RE.match(b):
            var, bound, op = a, b, op
        elif _VAR_RE.match(b) and not _VAR_RE.match(a):
            var, bound, op = b, a, {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}[op]
        else:
            return None
        del var
        return {
            "<": f"(-\\infty,{bound})", "<=": f"(-\\infty,{bound}]", ">": f"({bound},\\infty)",
            ">=": f"[{bound},\\infty)", "!=": f"(-\\infty,{bound})\\cup({bound},\\infty)",
        }[op]
    if len(ops) == 2 and _VAR_RE.match(pieces[1]) and not _VAR_RE.match(pieces[0]) and not _VAR_RE.match(pieces[2]):
        lo, hi = pieces[0], pieces[2]
        if set(ops) <= {"<", "<="}:
            return ("[" if ops[0] == "<=" else "(") + f"{lo},{hi}" + ("]" if ops[1] == "<=" else ")")
        if set(ops) <= {">", ">="}:
            return ("[" if ops[1] == ">=" else "(") + f"{hi},{lo}" + ("]" if ops[0] == ">=" else ")")
    return None


def _as_intervals(text: str) -> str | None:
    s = _strip_outer(text)
    if not _REL_RE.search(s) or "=" in _REL_RE.sub("", s):
        return None
    parts = _OR_RE.split(s)
    out = [_relation_interval(p) for p in parts]
    if any(o is None for o in out):
        return None
    return "\\cup".join(o for o in out if o is not None)


def _interval_like(text: str) -> bool:
    s = _strip_outer(text)
    return not _REL_RE.search(s) and (
        "\\infty" in s or "\\cup" in s or (len(s) > 2 and s[0] in "([" and s[-1] in ")]" and _top_level_comma(s[1:-1]))
    )


# --- assignments, yes/no, choices, long integers ----------------------------------------


def _ordered_assignments(answer: str, reference: str) -> str | Score | None:
    ref = _strip_outer(reference)
    t = _TUPLE_RE.match(ref)
    if t is None or "=" in ref or not _top_level_comma(t.group(1)):
        return None
    parts = [p for p in _ASSIGN_SPLIT_RE.split(_strip_outer(answer)) if p]
    matches = [_ASSIGN_RE.match(p) for p in parts]
    if len(parts) < 2 or any(m is None for m in matches):
        return None
    names = [m.group(1) for m in matches if m is not None]
    if len(set(names)) != len(names):
        return Score(0.0, Status.OK, "the same name is given two values")
    values = [m.group(2).strip() for m in sorted((m for m in matches if m is not None), key=lambda m: m.group(1))]
    return "(" + ", ".join(values) + ")"


def _plain_words(text: str) -> list[str]:
    s = _TEXT_CMD_RE.sub(r"\1", _strip_outer(text))
    return re.findall(r"[a-z]+", s.lower()) if not re.search(r"[\\{}^_=]", s) else []


def _yes_no(answer: str, reference: str) -> Score | None:
    ref = _plain_words(reference)
    if len(ref) != 1 or ref[0] not in _YES_NO:
        return None
    words = _plain_words(answer)
    if len(words) < 2 or words[0] not in _YES_NO:
        return None  # a bare "yes" is decided by the usual comparison
    if words[0] == ref[0]:
        return Score(1.0, Status.OK, "equal (a yes/no answer with its explanation)")
    return Score(0.0, Status.OK, "not equal")


def _choice(answer: str, reference: str) -> Score | None:
    ref = _LETTER_REF_RE.match(_TEXT_CMD_RE.sub(r"\1", _strip_outer(reference)).strip())
    if ref is None:
        return None
    s = _TEXT_CMD_RE.sub(r"\1", _strip_outer(answer)).strip()
    for pattern in _CHOICE_PATTERNS:
        m = pattern.match(s)
        if m:
            same = m.group(1).upper() == ref.group(1)
            return Score(1.0 if same else 0.0, Status.OK, "equal (choice letter)" if same else "not equal (choice letter)")
    return None


def _long_integers(answer: str, reference: str) -> Score | None:
    a, r = _LONG_INT_RE.match(answer.strip()), _LONG_INT_RE.match(_strip_outer(reference))
    if a is None or r is None or max(len(a.group(2)), len(r.group(2))) < _LONG_INT_DIGITS:
        return None
    key = lambda m: ("" if m.group(1) == "+" or m.group(2) == "0" else m.group(1), m.group(2))  # noqa: E731
    same = key(a) == key(r)
    return Score(1.0 if same else 0.0, Status.OK, "equal (integers)" if same else "not equal (integers)")


# --- the stage --------------------------------------------------------------------------


def prepare(answer: str, reference: str) -> Prepared | Score:
    """Rewrite ``answer``/``reference`` into forms both paths read alike, or decide."""
    notes: list[str] = []
    ans, ref = _strip_outer(answer), _strip_outer(reference)
    for decide in (_long_integers, _choice, _yes_no):
        verdict = decide(ans, ref)
        if verdict is not None:
            return verdict
    tail = _tail(ans, ref)
    if isinstance(tail, Score):
        return tail
    if tail != ans:
        notes.append("trailing unit or multiplier read")
        ans = tail
    ref_tail = _tail(ref, ref)
    if isinstance(ref_tail, str):
        ref = ref_tail
    spaced = _spaced_digits(ans)
    if isinstance(spaced, Score):
        if _spaced_digits(ref) == spaced or ref == ans:
            return Prepared(answer, reference)
        return spaced
    if spaced != ans:
        notes.append("spaced digits read")
        ans = spaced
    ref_spaced = _spaced_digits(ref)
    if isinstance(ref_spaced, str):
        ref = ref_spaced
    shapes = _shape(ans), _shape(ref)
    if None not in shapes and shapes[0] != shapes[1]:
        return Score(0.0, Status.OK, "a set is not a tuple or an interval")
    ordered = _ordered_assignments(ans, ref)
    if isinstance(ordered, Score):
        return ordered
    if ordered is not None:
        notes.append("named assignments read in alphabetical order")
        ans = ordered
    if _interval_like(ref):
        iv = _as_intervals(ans)
        if iv is not None:
            notes.append("relation read as intervals")
            ans = iv
    elif _interval_like(ans):
        iv = _as_intervals(ref)
        if iv is not None:
            ref = iv
    if ans == _strip_outer(answer) and ref == _strip_outer(reference):
        return Prepared(answer, reference)
    return Prepared(ans, ref, tuple(notes))
