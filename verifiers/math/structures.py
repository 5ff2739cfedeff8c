"""Fast verdicts for composite answers whose parts are plain numbers.

Intervals ``(2, 5]``, tuples ``(7, 5)``, sets ``\\{8, -1\\}``, bare lists ``-1, 8``, matrices
``\\begin{pmatrix}…\\end{pmatrix}`` and complex numbers ``3 - 4i`` are common GRPO answers;
when every part is a number (or ±∞ for interval ends) they compare exactly here, without
sympy. Anything else (a symbol, a radical, a union) returns None and goes to math-verify.

Conventions, the same as math-verify's strict mode: brackets matter (``(1,3]`` ≠ ``[1,3]``);
tuples are ordered, sets are not; a bare list compares with a set as a set; a set never
equals a tuple here (that case goes to sympy, where ``strict=False`` may allow it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Struct", "parse_structure", "structures_equal"]

INF = "inf"
NEG_INF = "-inf"

_INFTY_RE = re.compile(r"^([+-]?)\\infty$|^([+-]?)\\inf$|^([+-]?)∞$")
_MATRIX_RE = re.compile(r"^\\begin\{([pbB]?matrix)\}(.*)\\end\{\1\}$", re.DOTALL)
_SET_OPEN, _SET_CLOSE = "\\{", "\\}"
_IMAG_UNIT_RE = re.compile(r"\\mathrm\{i\}|\\mathit\{i\}|\\text\{i\}")
_COMPLEX_ALLOWED_RE = re.compile(r"^[0-9.+\-*/i{}\\fracdot ]+$")
_TERM_SPLIT_RE = re.compile(r"(?<![eE{])(?=[+-])")


@dataclass(frozen=True, slots=True)
class Struct:
    """``kind``: interval | tuple | set | list | matrix | complex.

    ``brackets`` holds the interval's bracket characters; ``items`` the parts (Fractions, or
    ``"inf"``/``"-inf"``; rows of Fractions for a matrix; (re, im) for a complex number).
    """

    kind: str
    items: tuple[object, ...]
    brackets: str = ""


def _split_top(s: str, sep: str) -> list[str]:
    """Split on ``sep`` outside braces, brackets and parentheses."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(s):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return [p.strip() for p in parts]


def _number(part: str, allow_infinity: bool = False) -> object | None:
    from verifiers.math.normalize import parse_plain_number  # normalize imports this module

    if allow_infinity:
        m = _INFTY_RE.match(part.replace(" ", ""))
        if m:
            return NEG_INF if "-" in (m.group(1) or m.group(2) or m.group(3) or "") else INF
    if re.fullmatch(r"0\d+", part.strip()):
        return None  # "1,000" split on its comma: not a list of numbers
    return parse_plain_number(part)


def _numbers(parts: list[str], allow_infinity: bool = False) -> tuple[object, ...] | None:
    values = [_number(p, allow_infinity) for p in parts]
    if any(v is None for v in values) or not values:
        return None
    return tuple(values)


def _complex(s: str) -> Struct | None:
    s = _IMAG_UNIT_RE.sub("i", s).replace(" ", "")
    if "i" not in s or s.count("i") > 2 or not _COMPLEX_ALLOWED_RE.match(s):
        return None
    re_part = im_part = Fraction(0)
    for term in filter(None, _TERM_SPLIT_RE.split(s)):
        if term.endswith("i"):
            coeff = term[:-1].rstrip("*").removesuffix("\\cdot")
            if coeff in ("", "+", "-"):
                coeff += "1"
            value = _number(coeff)
            if not isinstance(value, Fraction):
                return None
            im_part += value
        else:
            value = _number(term)
            if not isinstance(value, Fraction):
                return None
            re_part += value
    return Struct("complex", (re_part, im_part))


def _matrix(s: str) -> Struct | None:
    m = _MATRIX_RE.match(s)
    if not m:
        return None
    rows = [r for r in (row.strip() for row in m.group(2).split("\\\\")) if r]
    parsed = [_numbers([c.strip() for c in row.split("&")]) for row in rows]
    if not parsed or any(r is None for r in parsed):
        return None
    if len({len(r) for r in parsed if r is not None}) != 1:
        return None
    return Struct("matrix", tuple(parsed))


def parse_structure(s: str) -> Struct | None:
    """A composite answer of plain numbers, from an answer already through ``clean_latex``."""
    s = s.strip()
    if not s or len(s) > 300:
        return None
    if s.startswith("\\begin{"):
        return _matrix(s)
    if s.startswith(_SET_OPEN) and s.endswith(_SET_CLOSE):
        items = _numbers(_split_top(s[2:-2], ","))
        return Struct("set", items) if items is not None else None
    if s[0] in "([" and s[-1] in ")]":
        parts = _split_top(s[1:-1], ",")
        if len(parts) < 2:
            return None
        brackets = s[0] + s[-1]
        if len(parts) == 2 and (brackets != "()" or "infty" in s):
            items = _numbers(parts, allow_infinity=True)
            return Struct("interval", items, brackets) if items is not None else None
        if brackets != "()":
            return None
        items = _numbers(parts)
        return Struct("tuple", items) if items is not None else None
    if "," in s:
        items = _numbers(_split_top(s, ","))
        return Struct("list", items) if items is not None else None
    return _complex(s)


def _eq(a: object, b: object, places: int) -> bool:
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b or round(a, places) == round(b, places) and _is_decimalish(a, b)
    return a == b


def _is_decimalish(a: Fraction, b: Fraction) -> bool:
    """Rounding applies when a side is a terminating decimal (it was written as one)."""
    return any(_terminates(x) for x in (a, b))


def _terminates(x: Fraction) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1 and x.denominator != 1


def _seq_equal(a: tuple[object, ...], b: tuple[object, ...], places: int) -> bool:
    return len(a) == len(b) and all(_eq(x, y, places) for x, y in zip(a, b))


def _set_equal(a: tuple[object, ...], b: tuple[object, ...], places: int) -> bool:
    return all(any(_eq(x, y, places) for y in b) for x in a) and all(
        any(_eq(x, y, places) for x in a) for y in b
    )


def structures_equal(g: Struct, p: Struct, places: int) -> bool | None:
    """True/False when the two structures are comparable here, else None."""
    kinds = {g.kind, p.kind}
    if kinds <= {"set", "list"}:
        return _set_equal(g.items, p.items, places)
    if g.kind != p.kind:
        if kinds == {"interval", "tuple"} and len(g.items) == len(p.items) == 2:
            return False  # "(1, 3)" vs "(1, 3]": the brackets differ
        return None
    if g.kind == "interval":
        return g.brackets == p.brackets and _seq_equal(g.items, p.items, places)
    if g.kind == "matrix":
        return len(g.items) == len(p.items) and all(
            _seq_equal(r, q, places)  # type: ignore[arg-type]
            for r, q in zip(g.items, p.items)
        )
    return _seq_equal(g.items, p.items, places)
