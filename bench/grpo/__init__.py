"""A deterministic, labelled, GRPO-like batch of math completions (see :mod:`bench.grpo_data`).

Modules, along the generator's seams: :mod:`.base` (the Problem record, LaTeX writers),
:mod:`.kinds_numeric`, :mod:`.kinds_structured`, :mod:`.kinds_algebra` (one builder per
answer kind), :mod:`.mixes` (which kind each prompt gets), :mod:`.prose` (the reasoning
text), :mod:`.batch` (final answers, groups, :func:`make_batch`).
"""

from .base import Problem
from .batch import FORMS, LABELS, make_batch
from .mixes import ALGEBRA_KINDS, KINDS, MIXES, SYMBOLIC_WEIGHTS, make_problem

__all__ = [
    "ALGEBRA_KINDS",
    "FORMS",
    "KINDS",
    "LABELS",
    "MIXES",
    "SYMBOLIC_WEIGHTS",
    "Problem",
    "make_batch",
    "make_problem",
]
