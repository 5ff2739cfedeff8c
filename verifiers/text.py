"""Splitting a completion into its reasoning and its answer part.

Everything here is linear-time string scanning (``find``/``rfind``), never a backtracking
regex over the whole completion: completions are hostile and can be megabytes long.

Tags shown inside fenced code blocks (````` ``` `````) are not tags: a reasoning that explains
the output format may quote ``<think>`` without opening a block. Fences are blanked out
(replaced by spaces of the same length) so offsets stay valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Parts", "split_parts", "mask_code_fences", "prompt_opens_think", "strip_end_markers"]

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
