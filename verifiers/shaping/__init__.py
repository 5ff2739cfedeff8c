"""Shaping rewards users know from open-r1, TRL and verl.

* :mod:`~verifiers.shaping.structure`: ``tag_count``, ``reasoning_steps``.
* :mod:`~verifiers.shaping.repetition`: ``repetition`` (n-gram repetition penalty).
* :mod:`~verifiers.shaping.length`: ``cosine``, ``length`` (Kimi k1.5), ``overlong`` (DAPO).

``cosine`` and ``length`` read ``accuracy`` and score a whole batch (``length`` is
relative within each ``group``); the others score one item at a time.
"""

from __future__ import annotations

from verifiers.shaping.length import (
    Cosine,
    CosineConfig,
    KimiLength,
    LengthConfig,
    Overlong,
    OverlongConfig,
)
from verifiers.shaping.repetition import Repetition, RepetitionConfig
from verifiers.shaping.structure import ReasoningSteps, ReasoningStepsConfig, TagCount, TagCountConfig

__all__ = [
    "COMPONENTS",
    "Cosine",
    "CosineConfig",
    "KimiLength",
    "LengthConfig",
    "Overlong",
    "OverlongConfig",
    "ReasoningSteps",
    "ReasoningStepsConfig",
    "Repetition",
    "RepetitionConfig",
    "TagCount",
    "TagCountConfig",
]

COMPONENTS = (TagCount(), ReasoningSteps(), Repetition(), Cosine(), KimiLength(), Overlong())
