"""Masking: remove what is no language (code, math, URLs, identifiers, formulas, LaTeX).

All regexes are linear on hostile input: character classes without nested quantifiers,
delimited spans found with ``str.find`` (an opener without a closer stops the scan).
"""

from __future__ import annotations

import re

from verifiers.text import mask_code_fences

# Characters a formula or identifier is made of: ASCII, Latin, Greek, math symbols.
_FORMULA_CHAR = (
    "!-~\u00a1-\u024f\u0300-\u036f\u0370-\u03ff\u1e00-\u1eff\u2010-\u2027\u2030-\u205e\u2070-\u2bff"
)
# What makes such a run of characters code or math rather than a word.
_FORMULA_MARK = (
    r"[\d_=\\^{}<>|@#~/+$%&\u00b1\u00b2\u00b3\u00b9\u00d7\u00f7\u2032-\u2034\u2070-\u209f\u2190-\u22ff]"
    r"|[A-Za-z')\]]\("  # f(x), g'(x)
    r"|[a-z][A-Z]"  # camelCase
    r"|[A-Za-z]\.[A-Za-z]{2}"  # np.array, example.com (not e.g. or U.S.)
)
# A run of formula characters with a mark in it. The negative lookahead skips plain words
# ("Hello," "done." "well-known") with one character-class scan: most runs are words.
_FORMULA_RE = re.compile(
    rf"(?<![{_FORMULA_CHAR}])"
    rf"(?![A-Z]?[a-z'’-]*[,;:!?\".]*(?![{_FORMULA_CHAR}]))"
    rf"[{_FORMULA_CHAR}]*?(?:{_FORMULA_MARK})[{_FORMULA_CHAR}]*"
)
_URL_RE = re.compile(r"(?:https?|ftp|file)://\S+|www\.\S+")
_INLINE_CODE_RE = re.compile(r"`[^`\n]+`")
# $…$ as pandoc reads it: no space inside the dollars, closing one not before a digit
# ("$5 and $10" is money). Each dollar scans at most to the next one: linear.
_INLINE_DOLLAR_RE = re.compile(r"\$(?=[^\s$])[^$\n]*?(?<=[^\s$])\$(?!\d)")
# Operator names written outside math ("sin x", "log n"): dropped when counting.
MATH_WORDS = frozenset(
    [
        f"{arc}{f}{h}"
        for arc in ("", "arc")
        for f in ("sin", "cos", "tan", "cot", "sec", "csc")
        for h in ("", "h")
    ]
    + ["log", "ln", "lg", "exp", "sqrt", "lim", "det", "gcd", "lcm", "mod", "sgn", "deg"]
)
_BEGIN_RE = re.compile(r"\\begin\{([^{}\n]{1,40})\}")

# Unclosed \begin{…} tolerated before the remaining environments are left unmasked.
_MAX_UNCLOSED = 8
_BLOCK_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"))
_INLINE_DELIMITERS = (("\\(", "\\)"),)


def _mask_delimited(text: str, opener: str, closer: str, fill: str) -> str:
    """Replace each ``opener … closer`` span by ``fill``; an unclosed opener is left alone.

    Linear: once no closer follows an opener, none follows any later opener either.
    """
    if opener not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            break
        end = text.find(closer, start + len(opener))
        if end < 0:
            break
        out.append(text[pos:start])
        out.append(fill)
        pos = end + len(closer)
    out.append(text[pos:])
    return "".join(out)


def _mask_environments(text: str) -> str:
    """Blank ``\\begin{env} … \\end{env}`` (align, equation, pmatrix, …)."""
    if "\\begin{" not in text:
        return text
    out: list[str] = []
    pos = search = 0
    misses = _MAX_UNCLOSED
    while True:
        m = _BEGIN_RE.search(text, search)
        if m is None:
            break
        end = text.find(f"\\end{{{m.group(1)}}}", m.end())
        if end < 0:
            misses -= 1  # each miss scans to the end: bounded, to stay linear
            if not misses:
                break
            search = m.end()
            continue
        out.append(text[pos : m.start()])
        out.append("\n")
        pos = search = end + len(m.group(1)) + 6
    out.append(text[pos:])
    return "".join(out)


def mask_non_language(text: str) -> str:
    """Remove what is no language: code, math, URLs, identifiers, formulas, LaTeX.

    Display math and environments become a line break (they end a sentence); inline
    spans become a space. Digits, single-letter variables and operator names (``sin``,
    ``log``) are dropped later, when counting.
    """
    text = mask_code_fences(text)
    text = _mask_environments(text)
    for opener, closer in _BLOCK_DELIMITERS:
        text = _mask_delimited(text, opener, closer, "\n")
    for opener, closer in _INLINE_DELIMITERS:
        text = _mask_delimited(text, opener, closer, " ")
    if "`" in text:
        text = _INLINE_CODE_RE.sub(" ", text)
    if "$" in text:
        text = _INLINE_DOLLAR_RE.sub(" ", text)
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    return _FORMULA_RE.sub(" ", text)


