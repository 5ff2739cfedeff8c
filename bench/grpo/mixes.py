"""Which answer kind each prompt gets: the easy mix (every kind in turn) or the symbolic mix.

Why two mixes: the easy mix is what the benchmark always measured (20 kinds in turn, about
8% of the items need sympy); the symbolic mix follows the answers of MATH, AIME and
Olympiad-style sets, where integers still dominate but about a fifth or more of the items
need algebra to compare, which is where a verifier's time goes (issue 11).

The symbolic mix is a fixed schedule of kinds (weights below, one slot per unit) shuffled
once per seed, and prompt ``i`` takes slot ``i mod len``: a small batch already follows the
distribution, and a group does not change with ``n_prompts``.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

from .base import Problem
from .kinds_algebra import ALGEBRA_NUMBER_BUILDERS
from .kinds_expressions import ALGEBRA_EXPRESSION_BUILDERS
from .kinds_numeric import NUMERIC_BUILDERS
from .kinds_structured import STRUCTURED_BUILDERS

__all__ = ["ALGEBRA_KINDS", "KINDS", "MIXES", "SYMBOLIC_WEIGHTS", "kind_for", "make_problem"]

# The easy mix's kinds, in the order prompts take them (unchanged since the first version).
KINDS: tuple[str, ...] = (
    "integer", "negative", "decimal", "fraction", "mixed_form", "thousands", "radical", "pi",
    "polynomial", "interval", "tuple", "set", "matrix", "complex", "equation", "text", "choice",
    "percent", "degrees", "scientific",
)  # fmt: skip
ALGEBRA_KINDS: tuple[str, ...] = (*ALGEBRA_NUMBER_BUILDERS, *ALGEBRA_EXPRESSION_BUILDERS)

_BUILDERS: dict[str, Callable[[random.Random], Problem]] = {
    **NUMERIC_BUILDERS,
    **STRUCTURED_BUILDERS,
    **ALGEBRA_NUMBER_BUILDERS,
    **ALGEBRA_EXPRESSION_BUILDERS,
}

# Slots per kind in the symbolic mix (sum 100). Integers lead as in MATH/AIME (AIME answers
# are all integers 0-999); then fractions; the algebra kinds together take 46 slots, the
# older structured kinds (radical, pi, polynomial, interval, set, matrix) another 12.
SYMBOLIC_WEIGHTS: dict[str, int] = {
    "integer": 18, "negative": 3, "fraction": 8, "decimal": 2, "equation": 2, "thousands": 1,
    "percent": 1, "degrees": 2, "text": 1, "choice": 1, "tuple": 2, "complex": 1,
    "radical": 3, "pi": 2, "polynomial": 2, "interval": 2, "set": 2, "matrix": 1,
    "nested_radical": 3, "radical_fraction": 5, "pi_e": 4, "trig": 4, "radians": 3, "log": 3,
    "poly_forms": 4, "line": 3, "plane": 2, "rational_expr": 3, "interval_radical": 4,
    "roots_radical": 5, "matrix_symbolic": 3,
}  # fmt: skip
MIXES = ("easy", "symbolic")


@functools.lru_cache(maxsize=8)
def _schedule(seed: int) -> tuple[str, ...]:
    slots = [k for k, w in SYMBOLIC_WEIGHTS.items() for _ in range(w)]
    random.Random(f"grpo-bench:symbolic-schedule:{seed}").shuffle(slots)
    return tuple(slots)


def kind_for(mix: str, seed: int, index: int) -> tuple[str, random.Random]:
    """The answer kind of prompt ``index`` and the random stream its group is drawn from."""
    if mix == "easy":
        return KINDS[index % len(KINDS)], random.Random(f"grpo-bench:{seed}:{index}")
    if mix == "symbolic":
        slots = _schedule(seed)
        return slots[index % len(slots)], random.Random(f"grpo-bench:symbolic:{seed}:{index}")
    raise ValueError(f"unknown mix {mix!r}; one of {', '.join(MIXES)}")


def make_problem(kind: str, rng: random.Random) -> Problem:
    return _BUILDERS[kind](rng)
