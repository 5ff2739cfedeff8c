"""Answers that hedge across candidates must never earn accuracy."""

import pytest

from verifiers.math import MathAccuracy, MathConfig
from verifiers.types import Job, Sample

HEDGES = [
    ("<answer>3 or 4</answer>", "3"),
    ("\\boxed{3}\\boxed{4}", "3"),
    ("\\boxed{3} and \\boxed{4}", "4"),
    ("\\boxed{3 \\text{ or } 4}", "3"),
    ("\\boxed{\\pm 3}", "3"),
    ("\\boxed{3, -3}", "3"),
    ("\\boxed{\\infty}", "5"),
    ("\\boxed{x}", "5"),
    ("\\boxed{3 \\lor 4}", "3"),
    ("\\boxed{\\{3,4\\}}", "3"),
    ("\\boxed{(3,4)}", "3"),
    ("\\boxed{3 \\leq x \\leq 4}", "3"),
    ("\\boxed{[3,4]}", "3"),
    ("\\boxed{3,4,5,6,7,8,9,10}", "7"),
    ("\\boxed{x = 3, x = 4}", "3"),
    ("<answer>A, B, C, D</answer>", "B"),
    ("<answer>ABCD</answer>", "B"),
    ("<answer>(A)(B)(C)(D)</answer>", "B"),
    ("\\boxed{\\text{any real number}}", "3"),
    ("\\boxed{\\mathbb{R}}", "3"),
    ("\\boxed{3 \\text{ (or maybe 4)}}", "4"),
    ("\\boxed{\\approx 3}", "3.14"),
    ("\\boxed{3.14}", "\\pi"),
    ("\\boxed{22/7}", "\\pi"),
    ("<answer>12</answer>", "A"),
    ("<think>the answer is 3</think>", "3"),
    ("<think>\\boxed{3}</think><answer></answer>", "3"),
]


@pytest.mark.parametrize(("completion", "reference"), HEDGES)
def test_hedging_earns_nothing(completion: str, reference: str) -> None:
    outcome = MathAccuracy().evaluate(Sample(completion=completion, reference=reference), MathConfig())
    if isinstance(outcome, Job):
        outcome = outcome.run_here()
    assert outcome.score == 0.0, (outcome.reason, outcome.details)
