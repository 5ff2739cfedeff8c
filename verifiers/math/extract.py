"""Anchored answer extraction from a completion.

Only three anchors count, in this order:

1. the content of the last closed ``<answer>…</answer>`` in the answer part;
2. the last ``\\boxed{…}`` / ``\\fbox{…}`` in the answer part (other boxes on the same line
   join it: ``\\boxed{1} and \\boxed{-2}`` is one answer);
3. an explicit final-answer phrase ("the final answer is …", "the answer is …",
   "Answer: …") in the last :data:`PHRASE_WINDOW` characters.

There is deliberately no fallback to the last number or the last ``$…$``: a truncated
completion has no answer, and that fallback is where math-verify's false positives came
from. The answer part is the text after the last ``</think>`` (see :mod:`verifiers.text`),
so a reasoning that never closed has no answer at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.text import mask_code_fences

__all__ = ["Extraction", "extract_answer", "find_boxed", "last_boxed", "strip_answer_phrase"]

PHRASE_WINDOW = 600
MAX_ANSWER_CHARS = 20_000
_MAX_JOIN_GAP = 40

_ANSWER_OPEN = "<answer>"
_ANSWER_CLOSE = "</answer>"
_BOX_RE = re.compile(r"\\(?:boxed|fbox)\b")
# Anchors for the last-resort phrase. Bold markers and a "is:" are tolerated.
_PHRASE_RE = re.compile(
    r"(?:final\s+answer\s*(?:\*\*)?\s*(?:is\b|[:：])|\banswer\s+is\b|\banswer\s*(?:\*\*)?\s*[:：])"
    r"\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)
_PHRASE_PREFIX_RE = re.compile(
    r"^\s*(?:\*\*)?\s*(?:(?:so|thus|therefore|hence),?\s+)?(?:the\s+)?(?:final\s+)?answer(?:\s+is)?\s*(?:\*\*)?\s*[:：]?\s*(?:\*\*)?\s*",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"\.(?:\s|$)|\n")


@dataclass(frozen=True, slots=True)
class Extraction:
    text: str
    source: str  # "answer_tag" | "boxed" | "phrase"


def _matching_braces(text: str) -> dict[int, int]:
    """Index of each ``{`` → index of its ``}``, in one pass (unclosed ones are absent)."""
    stack: list[int] = []
    match: dict[int, int] = {}
    for i, ch in enumerate(text):
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            match[stack.pop()] = i
    return match


def find_boxed(text: str) -> list[tuple[int, int, int, int]]:
    """All ``\\boxed{…}``/``\\fbox{…}`` (and ``\\boxed 5``) as (start, end, content start,
    content end): offsets, not slices, so thousands of nested boxes cost no copies.

    Braces are matched by counting, so nested ``\\frac{}{}`` survive; an unclosed box
    (truncated completion) is dropped. Linear in the text, however deep the nesting.
    """
    found: list[tuple[int, int, int, int]] = []
    braces: dict[int, int] | None = None
    n = len(text)
    for m in _BOX_RE.finditer(text):
        i = m.end()
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == "{":
            if braces is None:
                braces = _matching_braces(text)
            j = braces.get(i)
            if j is not None:
                found.append((m.start(), j + 1, i + 1, j))
        elif i > m.end() and i < n:
            # "\boxed 5": one token up to white space or a math delimiter.
            j = i
            while j < n and not text[j].isspace() and text[j] != "$":
                j += 1
            found.append((m.start(), j, i, j))
    return found


def _top_level(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Boxes not inside another box: ``\\boxed{\\boxed{1}}`` is one answer, the outer one."""
    out: list[tuple[int, int, int, int]] = []
    for box in boxes:
        if not out or box[0] >= out[-1][1]:
            out.append(box)
    return out


def last_boxed(text: str) -> str | None:
    """The last box, joined with the boxes just before it (``\\boxed{1}, \\boxed{-2}``).

    Only boxes on the same line, in the same sentence, a short gap apart join (multi-part
    answers: ``\\boxed{(3, 3)} \\text{ for (a) and } \\boxed{(1, 1)}``); an intermediate
    result boxed earlier in the reasoning is not part of the answer.
    """
    boxes = _top_level(find_boxed(text))
    if not boxes:
        return None
    group = [boxes[-1]]
    for box in reversed(boxes[:-1]):
        gap = text[box[1] : group[0][0]]
        if len(gap) > _MAX_JOIN_GAP or "\n" in gap or ". " in gap:
            break
        group.insert(0, box)
    return ", ".join(text[a:b] for _, _, a, b in group)


def _last_answer_tag(masked: str, text: str) -> str | None:
    close = masked.rfind(_ANSWER_CLOSE)
    if close < 0:
        return None
    open_ = masked.rfind(_ANSWER_OPEN, 0, close)
    if open_ < 0:
        return None
    return text[open_ + len(_ANSWER_OPEN) : close]


def strip_answer_phrase(text: str) -> str:
    """Drop a leading "The final answer is:" and bold markers; keep what follows."""
    return _PHRASE_PREFIX_RE.sub("", text, count=1).strip()


def _phrase_answer(text: str) -> str | None:
    tail_start = max(0, len(text) - PHRASE_WINDOW)
    tail = text[tail_start:]
    last = None
    for m in _PHRASE_RE.finditer(tail):
        last = m
    if last is None:
        return None
    rest = tail[last.end() :].lstrip()
    if rest.startswith(("$", "\\(", "\\[")):
        closing = {"$": "$", "\\(": "\\)", "\\[": "\\]"}
        opener = "$$" if rest.startswith("$$") else rest[:2] if rest[0] == "\\" else "$"
        closer = "$$" if opener == "$$" else closing[opener]
        end = rest.find(closer, len(opener))
        if end < 0:
            return None
        return rest[len(opener) : end].strip() or None
    end_of_sentence = _SENTENCE_END_RE.search(rest)
    candidate = (rest[: end_of_sentence.start()] if end_of_sentence else rest).strip().strip("*").strip()
    return candidate or None


def extract_answer(answer_part: str) -> Extraction | None:
    """The anchored final answer of a completion's answer part, or None."""
    if not answer_part.strip():
        return None
    masked = mask_code_fences(answer_part)
    tagged = _last_answer_tag(masked, answer_part)
    if tagged is not None:
        boxed_inside = last_boxed(tagged)
        content = boxed_inside if boxed_inside is not None else strip_answer_phrase(tagged)
        return Extraction(content.strip(), "answer_tag") if content.strip() else None
    boxed = last_boxed(masked)
    if boxed is not None:
        return Extraction(boxed.strip(), "boxed") if boxed.strip() else None
    phrase = _phrase_answer(masked)
    if phrase is not None:
        return Extraction(phrase, "phrase")
    return None
