"""The symbolic path (math-verify under our fixes), called directly as a worker would."""

import pytest

from verifiers.math.compare import symbolic_verdict, to_parseable
from verifiers.types import Status


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        ("(x+1)^2", "x^2+2x+1", 1.0),
        ("4\\sqrt{5}", "\\sqrt{80}", 1.0),
        ("\\frac{19\\pi}{12}", "\\frac{19}{12}\\pi", 1.0),
        ("x^2 - 6x + 5", "(x - 5)(x - 1)", 1.0),
        ("x^2 - 6x + 5", "(x - 5)(x + 1)", 0.0),
        # the imaginary unit does not depend on white space
        ("4+8i", "4 + 8 i", 1.0),
        ("9 + 1i", "9 + i\\cdot 1", 1.0),
        ("(1+i)^2", "2i", 1.0),
        # intervals: endpoints matter
        ("(1,3]", "[1,3]", 0.0),
        ("x \\in (1, 2]", "(1, 2]", 1.0),
        # equations against a value
        ("5", "x=5", 1.0),
        ("\\frac{1}{3}", "0.\\overline{3}", 1.0),
        ("\\sqrt{2}+\\sqrt{5}", "\\sqrt 2+\\sqrt 5", 1.0),
    ],
)
def test_symbolic_verdict(gold: str, pred: str, expected: float) -> None:
    result = symbolic_verdict(gold, pred)
    assert result.status is Status.OK
    assert result.score == expected


def test_unparseable_reference_is_not_a_wrong_answer() -> None:
    result = symbolic_verdict("", "5")
    assert result.score is None
    assert result.status is Status.INVALID_REFERENCE


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x^2", "$x^2$"), ("$x$", "$x$"), ("\\boxed{3}", "\\boxed{3}"), ("0.\\overline{3}", "$\\frac{1}{3}$")],
)
def test_to_parseable(text: str, expected: str) -> None:
    assert to_parseable(text) == expected
