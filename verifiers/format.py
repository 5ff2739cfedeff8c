"""The format reward: reasoning in ``<think>…</think>``, answer after it.

``strict`` (R1-Zero, the default): exactly one non-empty think block followed by exactly one
non-empty ``<answer>…</answer>``, nothing but white space around them. ``think``: one
non-empty think block, then a non-empty answer (R1-distill / Qwen3 chat templates).

The anchors' regexes reward two think blocks, text after ``</answer>``, an empty answer or
an empty think; this checks tag counts and positions instead, on a copy of the completion
with fenced code blanked out (a reasoning may quote ``<think>`` inside a code fence). When
the prompt already opened ``<think>``, the completion starts inside the reasoning. Trailing
end-of-turn tokens (``<|im_end|>``, ``</s>``) are not text after ``</answer>``.

What a policy tries, and what it gets (tests/verifiers/test_format.py has the table):

* **Invisible content.** Non-empty means *visible* (``verifiers.text.has_visible_text``):
  zero-width spaces, any white space, an HTML comment, ``\\phantom{…}``, white text or a
  LaTeX comment make no reasoning and no answer.
* **Tag variants.** ``<THINK>``, ``<think id=1>``, ``< think>``, ``</think >``, ``<think/>``
  outside code are refused as malformed tags: a trainer's parser may read them as tags, and
  they would otherwise hide a second block.
* **Hiding text in a fence.** Outside the blocks, a code fence is text like any other
  (fences are blanked only to find the tags), so ``</answer>```…``` `` is text after the
  answer. Outside the blocks only white space and format characters (a BOM) are nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from verifiers.text import THINK_CLOSE, THINK_OPEN, has_visible_text, mask_code_fences, strip_end_markers
from verifiers.types import Sample, Score, Status

__all__ = ["FormatConfig", "FormatReward", "check_format"]

ANSWER_OPEN = "<answer>"
ANSWER_CLOSE = "</answer>"
_TAGS = (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
# Anything a lenient parser could take for one of the four tags.
_TAG_LIKE_RE = re.compile(r"<\s*/?\s*(?:think|answer)(?![A-Za-z0-9_-])[^<>\n]{0,100}>", re.IGNORECASE)
# White space and format characters (BOM, zero-width space): nothing, outside the blocks.
_BLANK_RE = re.compile(r"[\s\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]*")


@dataclass(frozen=True)
class FormatConfig:
    mode: Literal["strict", "think"] = "strict"


def _with_opened_think(completion: str, opened_by_prompt: bool) -> str:
    """Prepend the prompt's ``<think>`` so both cases are checked alike."""
    if opened_by_prompt and not completion.lstrip().startswith(THINK_OPEN):
        return THINK_OPEN + completion
    return completion


def _blank(segment: str) -> bool:
    """Nothing but white space and format characters (text outside the blocks)."""
    return _BLANK_RE.fullmatch(segment) is not None


def _malformed_tag(masked: str) -> str | None:
    """The first tag-like string outside code that is not exactly one of the four tags."""
    for m in _TAG_LIKE_RE.finditer(masked):
        if m.group(0) not in _TAGS:
            return m.group(0)
    return None


def check_format(completion: str, mode: str = "strict", opened_by_prompt: bool = False) -> str | None:
    """None when the format holds, else the reason it does not."""
    text = _with_opened_think(strip_end_markers(completion), opened_by_prompt)
    masked = mask_code_fences(text)
    counts = {tag: masked.count(tag) for tag in _TAGS}
    if counts[THINK_OPEN] != 1:
        return "no <think> tag" if counts[THINK_OPEN] == 0 else f"{counts[THINK_OPEN]} <think> tags"
    if counts[THINK_CLOSE] != 1:
        return "no </think> tag" if counts[THINK_CLOSE] == 0 else f"{counts[THINK_CLOSE]} </think> tags"
    if (bad := _malformed_tag(masked)) is not None:
        return f"malformed tag {bad!r}"
    t_open = masked.index(THINK_OPEN)
    t_close = masked.index(THINK_CLOSE)
    if t_close < t_open:
        return "</think> comes before <think>"
    if not _blank(text[:t_open]):
        return "text before <think>"
    if not has_visible_text(text[t_open + len(THINK_OPEN) : t_close]):
        return "empty think block (no visible text)"
    after = t_close + len(THINK_CLOSE)
    if mode == "think":
        if counts[ANSWER_OPEN] > 1 or counts[ANSWER_CLOSE] > 1:
            return "more than one answer block"
        if not has_visible_text(_answer_text(text[after:])):
            return "empty answer after </think> (no visible text)"
        return None
    if counts[ANSWER_OPEN] != 1 or counts[ANSWER_CLOSE] != 1:
        return "expected exactly one <answer>…</answer>"
    a_open = masked.index(ANSWER_OPEN)
    a_close = masked.index(ANSWER_CLOSE)
    if not after <= a_open < a_close:
        return "answer tags out of order"
    if not _blank(text[after:a_open]):
        return "text between </think> and <answer>"
    if not _blank(text[a_close + len(ANSWER_CLOSE) :]):
        return "text after </answer>"
    if not has_visible_text(text[a_open + len(ANSWER_OPEN) : a_close]):
        return "empty answer (no visible text)"
    return None


def _answer_text(answer_part: str) -> str:
    """The answer without its (optional) tags, for the non-empty check of ``think`` mode."""
    return answer_part.replace(ANSWER_OPEN, "").replace(ANSWER_CLOSE, "")


class FormatReward:
    name = "format"
    config_type = FormatConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: FormatConfig) -> Score:
        problem = check_format(sample.completion, config.mode, sample.prompt_opens_think)
        if problem is None:
            return Score(1.0, Status.OK, f"{config.mode} format holds", {"mode": config.mode})
        return Score(0.0, Status.OK, problem, {"mode": config.mode})
