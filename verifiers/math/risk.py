"""A cheap guess at whether an answer may be expensive for sympy.

Answers that look expensive are verified in a separate, small "quarantine" lane of workers,
so a batch of power towers costs its own items their deadline without queueing everybody
else's symbolic checks behind them. A wrong guess only changes which lane runs a job, never
the verdict; an expensive answer that slips through still dies at its deadline.
"""

from __future__ import annotations

import re

__all__ = ["looks_expensive"]

MAX_CHEAP_CHARS = 400
MAX_CHEAP_DEPTH = 12
_BIG_FACTORIAL_RE = re.compile(r"(?:\d{3,}|[)}])\s*!")
_BIG_LITERAL_RE = re.compile(r"\d{40,}")
_POWER_RE = re.compile(r"\^")


def _max_depth(text: str) -> int:
    depth = best = 0
    for ch in text:
        if ch in "({[":
            depth += 1
            if depth > best:
                best = depth
        elif ch in ")}]":
            depth = max(0, depth - 1)
    return best


def _has_power_tower(text: str) -> bool:
    """A ``^`` inside an exponent (``9^{9^{9}}``), or a power of a huge literal."""
    for m in _POWER_RE.finditer(text):
        rest = text[m.end() : m.end() + 200].lstrip()
        if rest.startswith("{"):
            depth = 0
            for j, ch in enumerate(rest):
                if ch == "{":
                    depth += 1
                elif ch == "}":
                    depth -= 1
                    if depth == 0:
                        exponent = rest[1:j]
                        if "^" in exponent or "!" in exponent or len(exponent) > 6:
                            return True
                        break
    return False


def looks_expensive(answer: str, reference: str = "") -> bool:
    for text in (answer, reference):
        if len(text) > MAX_CHEAP_CHARS or _max_depth(text) > MAX_CHEAP_DEPTH:
            return True
        if _BIG_FACTORIAL_RE.search(text) or _BIG_LITERAL_RE.search(text) or _has_power_tower(text):
            return True
    return False
