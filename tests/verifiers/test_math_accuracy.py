"""Math accuracy end to end (completion → extraction → verdict) on answer styles from many datasets.

Jobs run here in-process (``Job.run_here``): the verdicts, not the deadlines, are under test.
"""

import pytest

from verifiers.math import MathAccuracy, MathConfig
from verifiers.types import Job, Sample

CASES = [  # (completion, reference, expected)
    ("\\boxed{\\text{(B)}}", "B", 1),
    ("\\boxed{B}", "(B)", 1),
    ("The answer is (C).", "C", 1),
    ("\\boxed{12\\%}", "12", 1),
    ("\\boxed{12\\%}", "0.12", 1),
    ("\\boxed{\\dfrac{\\sqrt{3}}{2}}", "\\frac{\\sqrt3}{2}", 1),
    ("\\boxed{2\\pi}", "2\\pi", 1),
    ("\\boxed{\\frac{1}{2}\\text{ cm}^2}", "\\frac12", 1),
    ("**Final Answer**\n\n\\[\\boxed{12}\\]", "12", 1),
    ("The answer is: 12", "12", 1),
    ("\\boxed{x \\in (1,2)}", "(1,2)", 1),
    ("\\boxed{\\$1,\\!000}", "1000", 1),
    ("\\boxed{1{,}000}", "1000", 1),
    ("\\boxed{5\\sqrt{2}}", "\\sqrt{50}", 1),
    ("\\boxed{\\frac{\\pi}{3}}", "60^\\circ", 0),
    ("\\boxed{3/4}", "0.75", 1),
    ("\\boxed{-\\frac{1}{2}}", "-0.5", 1),
    ("\\boxed{\\frac{-1}{2}}", "-\\frac12", 1),
    ("\\boxed{\\tfrac{1}{2}}", "0.5", 1),
    ("\\boxed{x=2 \\text{ or } x=3}", "2, 3", 1),
    ("\\boxed{2,3}", "\\{2,3\\}", 1),
    ("\\boxed{(2,3)}", "(2, 3)", 1),
    ("\\boxed{[2,3)}", "[2,3)", 1),
    ("\\boxed{\\infty}", "\\infty", 1),
    ("\\boxed{(-\\infty, 2]}", "(-\\infty,2]", 1),
    ("\\boxed{y = 2x + 3}", "y=2x+3", 1),
    ("\\boxed{2x+3}", "y=2x+3", 1),
    ("\\boxed{\\sqrt[3]{2}}", "2^{1/3}", 1),
    ("\\boxed{e^2}", "e^{2}", 1),
    ("\\boxed{\\ln 2}", "\\log 2", 0),  # convention: \\log is base 10 here; graders differ
    ("\\boxed{10!}", "3628800", 1),
    ("\\boxed{\\binom{5}{2}}", "10", 1),
    ("\\boxed{1.5}", "\\frac{3}{2}", 1),
    ("\\boxed{1.50}", "1.5", 1),
    ("\\boxed{.5}", "0.5", 1),
    ("\\boxed{+5}", "5", 1),
    ("\\boxed{5.}", "5", 1),
    ("\\boxed{\\text{Yes}}", "yes", 1),
    ("\\boxed{\\text{no solution}}", "\\text{No solution}", 1),
    ("\\boxed{45^{\\circ}}", "45", 1),
    ("\\boxed{45^\\circ}", "45^\\circ", 1),
    ("\\boxed{8 \\text{ apples}}", "8", 1),
    ("\\boxed{8\\,\\text{m}}", "8", 1),
    ("\\boxed{2^{10}}", "1024", 1),
    ("\\boxed{1,024}", "1024", 1),
    ("\\boxed{\\frac{1}{4}}", "25\\%", 1),
    ("\\boxed{3+4i}", "3+4i", 1),
    ("\\boxed{i}", "i", 1),
    ("\\boxed{-i}", "i", 0),
    ("\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}", 1),
    (
        "\\boxed{(1,2)}",
        "\\begin{pmatrix}1\\\\2\\end{pmatrix}",
        0,
    ),  # convention: a tuple is not a column vector
    ("Answer: $\\frac{7}{2}$", "3.5", 1),
    ("final answer is 7", "7", 1),
    ("\\boxed{7}", "7.0", 1),
    ("\\boxed{0.333}", "\\frac13", 0),
    ("\\boxed{a=1, b=2}", "(1,2)", 1),
    ("\\boxed{\\{1, 2, 3\\}}", "\\{3,2,1\\}", 1),
    ("\\boxed{(1,2,3)}", "(3,2,1)", 0),
    ("\\boxed{18}", "#### 18", 1),
    ("\\boxed{18}", "#### 1,800", 0),
    ("\\boxed{1800}", "#### 1,800", 1),
    ("\\boxed{\\frac{3}{4}x}", "0.75x", 1),
    ("\\boxed{x^2+2x+1}", "(x+1)^{2}", 1),
    ("\\boxed{\\frac{x+1}{x-1}}", "1+\\frac{2}{x-1}", 1),
    ("\\boxed{-3}", "- 3", 1),
    ("\\boxed{\\frac{\\sqrt{2}}{2}}", "\\frac{1}{\\sqrt{2}}", 1),
    ("\\boxed{2\\sqrt{2}}", "\\sqrt{8}", 1),
    ("<answer>D</answer>", "D", 1),
    ("<answer>(D) 42</answer>", "D", 1),
    ("<answer>\\textbf{(D)}</answer>", "D", 1),
]


@pytest.mark.parametrize(("completion", "reference", "expected"), CASES)
def test_accuracy(completion: str, reference: str, expected: int) -> None:
    outcome = MathAccuracy().evaluate(Sample(completion=completion, reference=reference), MathConfig())
    if isinstance(outcome, Job):
        outcome = outcome.run_here()
    assert outcome.score == float(expected), (outcome.reason, outcome.details)


def test_a_full_solution_reference_is_reduced_to_its_boxed_answer() -> None:
    """MATH stores whole solutions; their answer is the last box, decided on the fast path."""
    solution = "We have $x^2 = 4$, and " + "x is positive, so we keep the positive root. " * 20 + "So $x = \\boxed{2}$."
    outcome = MathAccuracy().evaluate(Sample(completion="\\boxed{2}", reference=solution), MathConfig())
    assert not isinstance(outcome, Job)
    assert outcome.score == 1.0 and outcome.details["reference"] == "2"
    multi = "The roots are $\\boxed{1}$ and $\\boxed{-2}$."
    job = MathAccuracy().evaluate(Sample(completion="\\boxed{-2, 1}", reference=multi), MathConfig())
    result = job.run_here() if isinstance(job, Job) else job
    assert result.score == 1.0
