"""``repetition``: the n-gram repetition penalty of open-r1 and TRL.

penalty = (1 − distinct n-grams / n-grams) × ``max_penalty``. Units are lower-cased
whitespace-separated words, except Han and kana, which are one unit per character
(Chinese and Japanese do not separate words; open-r1 runs jieba for Chinese only). With
``token_ids`` the n-grams are over the item's ``completion_ids`` when it has them, as TRL
does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from verifiers.language import HAN_CHARS, KANA_CHARS
from verifiers.types import Sample, Score, Status

__all__ = ["Repetition", "RepetitionConfig", "repetition_rate", "units"]

_UNIT_RE = re.compile(rf"[{HAN_CHARS}{KANA_CHARS}]|[^\s{HAN_CHARS}{KANA_CHARS}]+")


@dataclass(frozen=True)
class RepetitionConfig:
    """``ngram_size``: n. ``max_penalty``: the score when every n-gram repeats (≤ 0).
    ``token_ids``: count n-grams of token ids when the item carries ``completion_ids``.
    """

    ngram_size: int = 3
    max_penalty: float = -1.0
    token_ids: bool = False

    def __post_init__(self) -> None:
        if self.ngram_size < 1:
            raise ValueError("ngram_size must be >= 1")
        if self.max_penalty > 0:
            raise ValueError("max_penalty is a penalty: it must be <= 0")


def units(text: str) -> list[str]:
    """Lower-cased words, one unit per Han or kana character."""
    return _UNIT_RE.findall(text.lower())


def repetition_rate(seq: Sequence[Any], n: int) -> tuple[float, int, int]:
    """(1 − distinct/total, distinct, total) over the n-grams of ``seq``; 0 when too short."""
    total = len(seq) - n + 1
    if total <= 0:
        return 0.0, 0, 0
    distinct = len(set(zip(*(seq[i:] for i in range(n)))))
    return 1.0 - distinct / total, distinct, total


class Repetition:
    """``repetition``: a penalty in [``max_penalty``, 0] for repeated n-grams."""

    name = "repetition"
    config_type = RepetitionConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: RepetitionConfig) -> Score:
        ids = sample.extra.get("completion_ids") if config.token_ids else None
        if isinstance(ids, (list, tuple)):
            seq: Sequence[Any] = ids
            unit = "tokens"
        else:
            seq = units(sample.completion)
            unit = "words"
        rate, distinct, total = repetition_rate(seq, config.ngram_size)
        score = rate * config.max_penalty + 0.0  # + 0.0: no "-0.0" in the JSON
        details = {"unit": unit, "ngram_size": config.ngram_size, "ngrams": total, "distinct": distinct}
        if total == 0:
            return Score(0.0, Status.OK, f"fewer than {config.ngram_size} {unit}: no penalty", details)
        return Score(score, Status.OK, f"{rate:.0%} of {total} {config.ngram_size}-grams repeat", details)
