"""Structure rewards from open-r1: ``tag_count`` (partial format credit), ``reasoning_steps``.

Both read the completion with fenced code blanked out: a reasoning that quotes
``<think>`` or a YAML list inside a code block is not using tags or listing steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifiers.text import THINK_OPEN, mask_code_fences
from verifiers.types import Sample, Score, Status

__all__ = [
    "ReasoningSteps",
    "ReasoningStepsConfig",
    "TagCount",
    "TagCountConfig",
    "count_steps",
    "tag_counts",
]

DEFAULT_TAGS = ("<think>", "</think>", "<answer>", "</answer>")


@dataclass(frozen=True)
class TagCountConfig:
    """``tags``: each present exactly once earns ``1/len(tags)``. ``newlines``: open-r1's exact
    forms: the first tag followed by a line break, the last preceded by one, the others
    on a line of their own (``<think>\\n``, ``\\n</think>\\n``, ``\\n<answer>\\n``, ``\\n</answer>``).
    """

    tags: tuple[str, ...] = DEFAULT_TAGS
    newlines: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", tuple(self.tags))
        if not self.tags or any(not t for t in self.tags):
            raise ValueError("tags must be non-empty strings")


def _forms(tags: tuple[str, ...], newlines: bool) -> tuple[str, ...]:
    if not newlines:
        return tags
    last = len(tags) - 1
    return tuple(("" if i == 0 else "\n") + t + ("" if i == last else "\n") for i, t in enumerate(tags))


def tag_counts(completion: str, config: TagCountConfig, opened_by_prompt: bool = False) -> dict[str, int]:
    """How often each tag occurs outside code fences.

    When the chat template opened ``<think>`` (it is in the prompt) and the completion does
    not repeat it, the opening tag counts once: the model could not have written it.
    """
    masked = mask_code_fences(completion)
    counts = {tag: masked.count(form) for tag, form in zip(config.tags, _forms(config.tags, config.newlines))}
    if opened_by_prompt and counts.get(THINK_OPEN) == 0 and THINK_OPEN not in masked:
        counts[THINK_OPEN] = 1
    return counts


class TagCount:
    """``tag_count``: partial format credit, one share per tag used exactly once."""

    name = "tag_count"
    config_type = TagCountConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: TagCountConfig) -> Score:
        counts = tag_counts(sample.completion, config, sample.prompt_opens_think)
        once = sum(1 for n in counts.values() if n == 1)
        score = once / len(counts)
        wrong = [f"{tag}×{n}" for tag, n in counts.items() if n != 1]
        reason = "every tag exactly once" if not wrong else "not exactly once: " + ", ".join(wrong)
        return Score(score, Status.OK, reason, {"counts": counts})


@dataclass(frozen=True)
class ReasoningStepsConfig:
    """``min_steps``: step markers needed for the full reward (open-r1's "magic number" 3)."""

    min_steps: int = 3

    def __post_init__(self) -> None:
        if self.min_steps < 1:
            raise ValueError("min_steps must be >= 1")


# One match per step marker. open-r1 counts "Step N:", "^N." (string start only: a bug),
# "\n-", "\n*" and First/Second/Next/Finally; this reads every line start and Chinese too.
_STEP_RE = re.compile(
    r"^[ \t>]*(?:\*\*)?[Ss]tep[ \t]*\d+[ \t]*[:.)]"  # Step 1:  **Step 2.**
    r"|^[ \t>]*\d{1,3}[.)][ \t]"  # 1. numbered list
    r"|^[ \t>]*[-*•][ \t]+\S"  # - bullet
    r"|\b(?:First|Second|Third|Next|Then|Finally|Lastly),"
    r"|第[一二三四五六七八九十\d]{1,3}步|(?:首先|其次|然后|接着|最后)[，,]",
    re.MULTILINE,
)


def count_steps(completion: str) -> int:
    return sum(1 for _ in _STEP_RE.finditer(mask_code_fences(completion)))


class ReasoningSteps:
    """``reasoning_steps``: min(1, step markers / ``min_steps``)."""

    name = "reasoning_steps"
    config_type = ReasoningStepsConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: ReasoningStepsConfig) -> Score:
        steps = count_steps(sample.completion)
        score = min(1.0, steps / config.min_steps)
        return Score(
            score, Status.OK, f"{steps} step markers (full reward at {config.min_steps})", {"steps": steps}
        )
