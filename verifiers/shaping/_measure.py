"""What the shaping components measure: lengths (tokens or characters), groups, correctness."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from verifiers.types import Sample, Score

__all__ = [
    "CORRECT_AT",
    "Length",
    "Unit",
    "accuracy_scores",
    "check_unit",
    "correctness",
    "groups",
    "measure",
    "measure_group",
    "token_count",
    "unscored_reason",
]

Unit = Literal["auto", "tokens", "chars"]
_UNITS = ("auto", "tokens", "chars")
# An accuracy at or above this is "correct" (a code pass fraction below 1 is not).
CORRECT_AT = 1.0


@dataclass(frozen=True, slots=True)
class Length:
    value: int
    unit: Literal["tokens", "chars"]


def check_unit(unit: str) -> None:
    if unit not in _UNITS:
        raise ValueError(f"unit must be one of {_UNITS}, not {unit!r}")


def token_count(sample: Sample) -> int | None:
    """The completion's length in tokens, when the item says: ``completion_tokens`` or ids."""
    if sample.completion_tokens is not None:
        return sample.completion_tokens
    ids = sample.extra.get("completion_ids")
    if isinstance(ids, (list, tuple)):
        return len(ids)
    return None


def measure(sample: Sample, unit: str) -> Length | None:
    """The completion's length: tokens when known (``auto``) or asked; None if asked and unknown."""
    if unit != "chars":
        tokens = token_count(sample)
        if tokens is not None:
            return Length(tokens, "tokens")
        if unit == "tokens":
            return None
    return Length(len(sample.completion), "chars")


def measure_group(samples: Sequence[Sample], unit: str) -> list[Length] | None:
    """Lengths in one unit for a whole group: tokens only if every item has them (``auto``).

    Mixing tokens and characters would make the group's min and max meaningless.
    """
    if unit == "auto":
        unit = "tokens" if all(token_count(s) is not None for s in samples) else "chars"
    lengths = [measure(s, unit) for s in samples]
    if any(length is None for length in lengths):
        return None
    return [length for length in lengths if length is not None]


def groups(samples: Sequence[Sample]) -> dict[str | None, list[int]]:
    """Item indices by ``sample.group``; items without one form one group together."""
    out: dict[str | None, list[int]] = {}
    for i, sample in enumerate(samples):
        out.setdefault(sample.group, []).append(i)
    return out


def accuracy_scores(deps: Mapping[str, Sequence[Score]], n: int) -> Sequence[Score | None]:
    scores = deps.get("accuracy")
    return scores if scores is not None and len(scores) == n else [None] * n


def correctness(score: Score | None) -> bool | None:
    """True/False from this item's accuracy; None when accuracy could not be scored."""
    if score is None or score.score is None:
        return None
    return score.score >= CORRECT_AT


def unscored_reason(score: Score | None) -> str:
    status = "missing" if score is None else score.status.value
    return f"accuracy was not scored ({status}): correctness unknown"
