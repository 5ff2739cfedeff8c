"""Length rewards: ``cosine`` (correctness-aware), ``length`` (Kimi k1.5), ``overlong`` (DAPO).

Lengths are in tokens when the item carries ``completion_tokens`` or ``completion_ids``,
in characters otherwise (``unit="auto"``); ``unit`` can force either, and every score says
which was used. The defaults of ``max_len``/``max_length`` are the anchors' and are
meant for their unit (open-r1's cosine counts characters, DAPO counts tokens).

Correctness is this item's ``accuracy`` from the same request (score ≥ 1). When accuracy
could not be scored (score ``None``: broken reference, internal error) the reward is
``None`` with status ``not_applicable`` rather than a guess: treating it as wrong would
punish the model for our failure, as right would reward it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from verifiers.shaping._measure import (
    Unit,
    accuracy_scores,
    check_unit,
    correctness,
    groups,
    measure,
    measure_group,
    unscored_reason,
)
from verifiers.types import Sample, Score, Status

__all__ = [
    "Cosine",
    "CosineConfig",
    "KimiLength",
    "LengthConfig",
    "Overlong",
    "OverlongConfig",
    "cosine_scaled",
    "kimi_length",
    "soft_overlong",
]


# ---------------------------------------------------------------------------- cosine


@dataclass(frozen=True)
class CosineConfig:
    """open-r1's ``get_cosine_scaled_reward`` parameters (same defaults); ``max_len`` is in
    ``unit``s. Lengths past ``max_len`` score as ``max_len`` (TRL clamps; open-r1 does not,
    so its reward turns back up past ``max_len``: open-r1 #312).
    """

    min_value_wrong: float = -1.0
    max_value_wrong: float = -0.5
    min_value_correct: float = 0.5
    max_value_correct: float = 1.0
    max_len: int = 1000
    unit: Unit = "auto"

    def __post_init__(self) -> None:
        check_unit(self.unit)
        if self.max_len <= 0:
            raise ValueError("max_len must be > 0")


def cosine_scaled(length: int, correct: bool, config: CosineConfig) -> float:
    """Short correct answers earn ``max_value_correct``, long ones ``min_value_correct``;
    short wrong answers ``min_value_wrong`` (the worst), long ones ``max_value_wrong``.
    """
    progress = min(1.0, length / config.max_len)
    if correct:
        start, end = config.max_value_correct, config.min_value_correct
    else:
        start, end = config.min_value_wrong, config.max_value_wrong
    # cos goes 1 → -1 as progress goes 0 → 1: the reward goes from start to end.
    return end + 0.5 * (start - end) * (1.0 + math.cos(progress * math.pi))


class Cosine:
    """``cosine``: correctness-aware cosine length scaling (Yeo et al. 2025, open-r1, TRL)."""

    name = "cosine"
    config_type = CosineConfig
    requires: tuple[str, ...] = ("accuracy",)

    def evaluate_batch(
        self, samples: Sequence[Sample], config: CosineConfig, deps: Mapping[str, Sequence[Score]]
    ) -> list[Score]:
        return [self._one(s, acc, config) for s, acc in zip(samples, accuracy_scores(deps, len(samples)))]

    @staticmethod
    def _one(sample: Sample, accuracy: Score | None, config: CosineConfig) -> Score:
        length = measure(sample, config.unit)
        if length is None:
            return Score(None, Status.NOT_APPLICABLE, "unit='tokens' but the item has no token count")
        correct = correctness(accuracy)
        details = {"length": length.value, "unit": length.unit, "max_len": config.max_len, "correct": correct}
        if correct is None:
            return Score(None, Status.NOT_APPLICABLE, unscored_reason(accuracy), details)
        score = cosine_scaled(length.value, correct, config)
        verdict = "correct" if correct else "wrong"
        return Score(
            score, Status.OK, f"{verdict}, {length.value} {length.unit} of {config.max_len}", details
        )


# --------------------------------------------------------------------------- length


@dataclass(frozen=True)
class LengthConfig:
    """Kimi k1.5's length reward has no parameters; ``unit`` chooses what is counted."""

    unit: Unit = "auto"

    def __post_init__(self) -> None:
        check_unit(self.unit)


def kimi_length(length: int, shortest: int, longest: int, correct: bool) -> float:
    """λ = 0.5 − (len − min)/(max − min); correct → λ, wrong → min(0, λ); all equal → 0."""
    if longest == shortest:
        return 0.0
    lam = 0.5 - (length - shortest) / (longest - shortest)
    return lam if correct else min(0.0, lam)


class KimiLength:
    """``length``: Kimi k1.5's length reward, relative within the item's group.

    The group is the items sharing ``group`` (the prompt's generations); without groups,
    the whole batch (what open-r1 does, which mixes prompts of different difficulty).
    Items whose correctness is unknown still count for the group's min and max.
    """

    name = "length"
    config_type = LengthConfig
    requires: tuple[str, ...] = ("accuracy",)

    def evaluate_batch(
        self, samples: Sequence[Sample], config: LengthConfig, deps: Mapping[str, Sequence[Score]]
    ) -> list[Score]:
        accuracy = accuracy_scores(deps, len(samples))
        out: list[Score | None] = [None] * len(samples)
        for key, indices in groups(samples).items():
            lengths = measure_group([samples[i] for i in indices], config.unit)
            if lengths is None:
                for i in indices:
                    out[i] = Score(
                        None, Status.NOT_APPLICABLE, "unit='tokens' but an item has no token count"
                    )
                continue
            shortest = min(length.value for length in lengths)
            longest = max(length.value for length in lengths)
            for i, length in zip(indices, lengths):
                correct = correctness(accuracy[i])
                details = {
                    "length": length.value,
                    "unit": length.unit,
                    "group": key,
                    "group_size": len(indices),
                    "group_min": shortest,
                    "group_max": longest,
                    "correct": correct,
                }
                if correct is None:
                    out[i] = Score(None, Status.NOT_APPLICABLE, unscored_reason(accuracy[i]), details)
                    continue
                score = kimi_length(length.value, shortest, longest, correct)
                reason = (
                    "all lengths in the group are equal"
                    if shortest == longest
                    else f"{'correct' if correct else 'wrong'}, {length.value} {length.unit} "
                    f"in [{shortest}, {longest}]"
                )
                out[i] = Score(score, Status.OK, reason, details)
        return [s for s in out if s is not None]


# -------------------------------------------------------------------------- overlong


@dataclass(frozen=True)
class OverlongConfig:
    """DAPO's soft overlong punishment: 0 up to ``max_length − cache_length``, then linear
    down to ``−penalty_factor`` at ``max_length``, and ``−penalty_factor`` past it.

    ``max_length`` is L_max (TRL ``max_completion_len``, verl ``max_response_length``),
    ``cache_length`` is L_cache (TRL ``soft_punish_cache``, verl ``overlong_buffer.len``),
    ``penalty_factor`` is verl's ``overlong_buffer.penalty_factor``. Defaults: open-r1's.
    """

    max_length: int = 16384
    cache_length: int = 4096
    penalty_factor: float = 1.0
    unit: Unit = "auto"

    def __post_init__(self) -> None:
        check_unit(self.unit)
        if not 0 < self.cache_length <= self.max_length:
            raise ValueError("need 0 < cache_length <= max_length")
        if self.penalty_factor < 0:
            raise ValueError("penalty_factor must be >= 0")


def soft_overlong(length: int, config: OverlongConfig) -> float:
    start = config.max_length - config.cache_length
    if length <= start:
        return 0.0
    if length > config.max_length:
        return -config.penalty_factor
    return (start - length) / config.cache_length * config.penalty_factor


class Overlong:
    """``overlong``: DAPO soft overlong punishment (per item, no correctness needed)."""

    name = "overlong"
    config_type = OverlongConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: OverlongConfig) -> Score:
        length = measure(sample, config.unit)
        if length is None:
            return Score(None, Status.NOT_APPLICABLE, "unit='tokens' but the item has no token count")
        score = soft_overlong(length.value, config) + 0.0
        details = {"length": length.value, "unit": length.unit, "max_length": config.max_length}
        start = config.max_length - config.cache_length
        if length.value <= start:
            reason = f"{length.value} {length.unit} ≤ {start}: no punishment"
        elif length.value <= config.max_length:
            reason = f"{length.value} {length.unit} in the soft zone ({start}, {config.max_length}]"
        else:
            reason = f"{length.value} {length.unit} > max_length {config.max_length}"
        return Score(score, Status.OK, reason, details)
