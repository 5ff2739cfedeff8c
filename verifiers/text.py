"""Splitting a completion into its reasoning and its answer part.

Everything here is linear-time string scanning (``find``/``rfind``), never a backtracking
regex over the whole completion: completions are hostile and can be megabytes long.

Tags shown inside fenced code blocks (````` ``` `````) are not tags: a reasoning that explains
the output format may quote ``<think>`` without opening a block. Fences are blanked out
(replaced by spaces of the same length) so offsets stay valid.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Parts",
    "has_visible_text",
    "mask_code_fences",
    "prompt_opens_think",
    "split_parts",
    "strip_end_markers",
    "strip_hidden",
    "visible_text",
]

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
_FENCE_RE = re.compile(r"```|~~~")
# End-of-turn / end-of-text markers some pipelines leave at the end of a completion.
_END_MARKERS_RE = re.compile(
    r"(?:\s*(?:<\|(?:im_end|endoftext|eot_id|end|eom_id|end_of_text)\|>|</s>|<eos>|<end_of_turn>"
    r"|<｜end▁of▁sentence｜>))+\s*$"
)
_NOT_NEWLINE_RE = re.compile(r"[^\n]")


def mask_code_fences(text: str) -> str:
    """Blank out fenced code blocks (``` or ~~~), keeping length and newlines.

    One pass over the fence markers; an unclosed fence runs to the end of the text (a
    truncated completion).
    """
    if "```" not in text and "~~~" not in text:
        return text
    out: list[str] = []
    pos = 0
    open_at = -1
    fence = ""
    for m in _FENCE_RE.finditer(text):
        token = m.group(0)
        if open_at < 0:
            open_at, fence = m.start(), token
        elif token == fence:
            out.append(text[pos:open_at])
            out.append(_blank(text[open_at : m.end()]))
            pos, open_at = m.end(), -1
    if open_at >= 0:
        out.append(text[pos:open_at])
        out.append(_blank(text[open_at:]))
    else:
        out.append(text[pos:])
    return "".join(out)


def _blank(segment: str) -> str:
    return _NOT_NEWLINE_RE.sub(" ", segment)


def strip_end_markers(completion: str) -> str:
    """Drop trailing end-of-turn tokens (``<|im_end|>``, ``</s>``, ...): they are not content."""
    tail = completion[-512:]
    m = _END_MARKERS_RE.search(tail)
    return completion[: len(completion) - len(tail) + m.start()] if m else completion


def prompt_opens_think(prompt: str | None) -> bool:
    """True when the prompt's last ``<think>`` is not closed (the template opened it)."""
    if not prompt:
        return False
    i = prompt.rfind(THINK_OPEN)
    return i >= 0 and prompt.find(THINK_CLOSE, i) < 0


@dataclass(frozen=True, slots=True)
class Parts:
    """Where the reasoning and the answer of a completion are.

    ``reasoning`` is the think block's content (or the whole completion when it has no think
    tags); ``answer`` is the text after the last ``</think>``, the whole completion when it
    has no think tags, and ``""`` when a think block was opened and never closed (a
    truncated reasoning has no answer). ``closed`` says whether a think block was closed.
    """

    reasoning: str
    answer: str
    has_think: bool
    closed: bool


def split_parts(completion: str, opened_by_prompt: bool = False) -> Parts:
    masked = mask_code_fences(completion)
    close = masked.rfind(THINK_CLOSE)
    if close >= 0:
        open_ = masked.rfind(THINK_OPEN, 0, close)
        start = open_ + len(THINK_OPEN) if open_ >= 0 else 0
        return Parts(
            reasoning=completion[start:close],
            answer=completion[close + len(THINK_CLOSE) :],
            has_think=True,
            closed=True,
        )
    open_ = masked.find(THINK_OPEN)
    if open_ >= 0 or opened_by_prompt:
        start = open_ + len(THINK_OPEN) if open_ >= 0 else 0
        return Parts(reasoning=completion[start:], answer="", has_think=True, closed=False)
    return Parts(reasoning=completion, answer=completion, has_think=False, closed=False)


# --------------------------------------------------------------------------- visible text
#
# "Non-empty" must mean "a reader sees something": a policy fills a block with zero-width
# spaces, an HTML comment or ``\phantom{…}`` to pass an emptiness check without writing
# anything. Two stages: ``strip_hidden`` removes constructs whose content renders as
# nothing (it keeps everything else, so math can reuse it before extraction), then
# ``visible_text`` drops markup, format characters and collapses white space.
# Every scan moves forward (``find`` or one compiled regex per construct): linear.

_HIDDEN_HINT_RE = re.compile(r"<!--|\\|%|<\w")
_HIDING_COMMAND_RE = re.compile(
    r"\\(?P<phantom>[hv]?phantom)(?![A-Za-z])\s*"
    r"|\\(?P<cmd>textcolor|color)\s*"
    r"(?:\{\s*(?i:white)\s*\}"
    r"|\[\s*(?i:html)\s*\]\s*\{\s*(?i:fff(?:fff)?)\s*\}"
    r"|\[\s*rgb\s*\]\s*\{\s*1(?:\.0*)?\s*,\s*1(?:\.0*)?\s*,\s*1(?:\.0*)?\s*\}"
    r"|\[\s*RGB\s*\]\s*\{\s*255\s*,\s*255\s*,\s*255\s*\}"
    r"|\[\s*gr[ae]y\s*\]\s*\{\s*1(?:\.0*)?\s*\})\s*"
)
# Where a group (or the math mode ``\color`` acts in) ends, scanning forward.
_GROUP_TOKEN_RE = re.compile(r"\\[{}$]|[{}]|\$|\\\]|\\\)")
_IFFALSE_END_RE = re.compile(r"\\fi(?![A-Za-z])")
# ``%`` starts a LaTeX comment unless escaped or a percent sign after a number ("50 %").
_LATEX_COMMENT_RE = re.compile(r"(?<!\\)(?<!\d)(?<!\d )%[^\n]*")
_HIDDEN_ELEMENT_RE = re.compile(
    r"<(?P<name>[A-Za-z][A-Za-z0-9]{0,20})\b[^<>]{0,300}?"
    r"(?:\bhidden\b|display\s*:\s*none|visibility\s*:\s*hidden|opacity\s*:\s*0(?![.\d]*[1-9])"
    r"|font-size\s*:\s*0(?![.\d]*[1-9])|(?<![-\w])color\s*:\s*(?:white|#fff(?:fff)?)\b)[^<>]{0,300}>",
    re.IGNORECASE,
)
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,30}(?:\s[^<>]{0,300})?/?>|<![^<>]{0,300}>")
_EMPTY_LINK_RE = re.compile(r"\[\s*\]\([^()\s]{0,500}\)")
# LaTeX that only moves things: spacing, line breaks, math delimiters.
_LATEX_LAYOUT_RE = re.compile(
    r"\\(?:q?quad|enspace|thinspace|negthinspace|medspace|thickspace|hfill|vfill|newline|linebreak"
    r"|par|noindent|smallskip|medskip|bigskip|displaystyle|textstyle)(?![A-Za-z])"
    r"|\\[hv]space\*?\s*\{[^{}\n]{0,40}\}|\\[,;:! ]|\\\\|\\[()\[\]]"
)
# Blank characters Unicode files as letters or symbols (Hangul fillers, braille blank).
_FILLERS = "\u115f\u1160\u3164\uffa0\u2800"
# ASCII markup that shows no content on its own: emphasis, headings, rules, fences.
_MARKUP = "*_~#>=|`{}$\\^-"


@lru_cache(maxsize=1)
def _char_classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(characters to drop, characters that are content), built once from the Unicode tables.

    Dropped: format characters (Cf: zero-width spaces, joiners, direction marks, BOM, tag
    characters), controls other than white space, surrogates, variation selectors and the
    fillers. Content: anything but white space, combining marks (a mark alone shows no
    letter) and the markup above.
    """
    drop: list[int] = []
    marks: list[int] = []
    for cp in (*range(0x20000), *range(0xE0000, 0xE1000)):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cc", "Cs") and not ch.isspace():
            drop.append(cp)
        elif cat[0] == "M":
            marks.append(cp)
    variation = [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), 0x034F, 0x17B4, 0x17B5]
    drop_class = _ranges(sorted({*drop, *variation, *map(ord, _FILLERS)}))
    mark_class = _ranges(marks)
    return (
        re.compile(f"[{drop_class}]+"),
        re.compile(f"[^\\s{mark_class}{re.escape(_MARKUP)}]"),
    )


def _ranges(points: list[int]) -> str:
    """A regex class body for sorted code points, as ranges."""
    out: list[str] = []
    i = 0
    while i < len(points):
        j = i
        while j + 1 < len(points) and points[j + 1] == points[j] + 1:
            j += 1
        lo, hi = points[i], points[j]
        out.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
        i = j + 1
    return "".join(out)


def _cut_spans(text: str, opener: str, closer: str | re.Pattern[str]) -> str:
    """Replace each ``opener … closer`` by a space; an unclosed opener hides the rest."""
    if opener not in text:
        return text
    out: list[str] = []
    pos = 0
    while (start := text.find(opener, pos)) >= 0:
        out.append(text[pos:start])
        out.append(" ")
        if isinstance(closer, str):
            end = text.find(closer, start + len(opener))
            pos = end + len(closer) if end >= 0 else len(text)
        else:
            m = closer.search(text, start + len(opener))
            pos = m.end() if m else len(text)
    out.append(text[pos:])
    return "".join(out)


def _group_end(text: str, pos: int, stop_at_math: bool) -> int:
    """End of the brace group opened at ``pos`` (or, ``stop_at_math``, of the group or math
    mode ``pos`` is in). Unbalanced: the end of the text, so hidden content stays hidden."""
    depth = 0
    for m in _GROUP_TOKEN_RE.finditer(text, pos):
        token = m.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and not stop_at_math:
                return m.end()
            if depth < 0:
                return m.start()
        elif stop_at_math and depth <= 0 and token in ("$", "\\]", "\\)"):
            return m.start()
    return len(text)


def _hide_latex(text: str) -> str:
    r"""Drop ``\phantom{…}`` (and ``\hphantom``, ``\vphantom``), ``\textcolor{white}{…}`` and
    ``\color{white}`` with the rest of its group."""
    if "\\" not in text:
        return text
    out: list[str] = []
    pos = 0
    while (m := _HIDING_COMMAND_RE.search(text, pos)) is not None:
        out.append(text[pos : m.start()])
        out.append(" ")
        at = m.end()
        if m.group("cmd") == "color" and not text.startswith("{", at):
            pos = _group_end(text, at, stop_at_math=True)
        elif text.startswith("{", at):
            pos = _group_end(text, at, stop_at_math=False)
        else:  # \phantom x: one token
            pos = at + 1
    out.append(text[pos:])
    return "".join(out)


def _hide_html_elements(text: str) -> str:
    """Drop elements a browser does not show (``hidden``, ``display:none``, white text)."""
    out: list[str] = []
    pos = 0
    lowered = text.lower()
    while (m := _HIDDEN_ELEMENT_RE.search(text, pos)) is not None:
        out.append(text[pos : m.start()])
        out.append(" ")
        close = f"</{m.group('name').lower()}"
        end = lowered.find(close, m.end())
        if end < 0:
            pos = len(text)
            break
        gt = text.find(">", end)
        pos = gt + 1 if gt >= 0 else len(text)
    out.append(text[pos:])
    return "".join(out)


def strip_hidden(text: str) -> str:
    r"""``text`` without the content a reader never sees, each construct replaced by a space.

    HTML comments, elements hidden by attribute or style, LaTeX ``%`` comments (not a
    percent sign after a number, not ``\%``), ``\iffalse … \fi``, the ``comment``
    environment, ``\phantom``-family arguments and white text. An unclosed construct hides
    everything after it (that is how it renders). Everything else is kept as written.
    """
    if not _HIDDEN_HINT_RE.search(text):
        return text
    text = _cut_spans(text, "<!--", "-->")
    if "<" in text:
        text = _hide_html_elements(text)
    if "\\" in text:
        text = _cut_spans(text, "\\iffalse", _IFFALSE_END_RE)
        text = _cut_spans(text, "\\begin{comment}", "\\end{comment}")
    if "%" in text:
        text = _LATEX_COMMENT_RE.sub(" ", text)
    return _hide_latex(text)


def visible_text(text: str) -> str:
    """What a reader sees of ``text``, as one line: hidden content, HTML tags, LaTeX spacing,
    format characters (Unicode Cf: U+200B, U+FEFF, direction marks, …) and controls dropped;
    HTML entities decoded (``&nbsp;``, ``&#8203;``); every run of white space (including
    U+3000, NBSP, U+2028) one space."""
    text = strip_hidden(text)
    if "<" in text:
        text = _HTML_TAG_RE.sub(" ", text)
    if "](" in text:
        text = _EMPTY_LINK_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _LATEX_LAYOUT_RE.sub(" ", text)
    drop, _ = _char_classes()
    return " ".join(drop.sub("", text).split())


def has_visible_text(text: str) -> bool:
    """True when ``text`` shows a reader at least one letter, digit, symbol or punctuation
    mark: not only white space, invisible characters, hidden content, combining marks or
    bare markup (``**``, ``$$``, a fence, ``{}``)."""
    _, content = _char_classes()
    return content.search(visible_text(text)) is not None
