"""The fast path: verdicts without sympy, and when it must defer (None)."""

import pytest

from verifiers.math.normalize import canonical, fast_verdict, normalize_reference, repeating_to_fraction


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        # numbers
        ("0.5", "\\frac{1}{2}", True),
        ("\\frac12", "1/2", True),
        ("\\dfrac{3}{4}", "0.75", True),
        ("7425000", "7,425,000", True),
        ("1000", "1\\,000", True),
        ("1000", "1000.0", True),
        ("1.22", "1,22", True),  # a comma that cannot separate thousands is a decimal comma
        ("\\frac{1}{3}", "0.333333", True),  # decimals are rounded to 6 places
        ("\\frac{1}{3}", "0.33", False),
        ("3", "-3", False),
        ("18", "\\$18", True),
        ("18", "18 \\text{ dollars}", True),
        ("30", "30^\\circ", True),
        ("3\\times 10^{5}", "300000", True),
        ("1e-3", "0.001", True),
        ("\\frac{1}{3}", "0.\\overline{3}", True),
        ("\\frac{1}{6}", "0.1\\overline{6}", True),
        # percent: 50% is both 50 and 0.5
        ("50", "50\\%", True),
        ("0.5", "50%", True),
        ("50\\%", "0.5", True),
        ("50", "5", False),
        # multiple choice
        ("\\text{(A)}", "A", True),
        ("(B)", "\\textbf{(B)}", True),
        ("C", "D", False),
        ("D", "(D) 42", True),  # the letter, then the option's text
        ("D", "D. 42", True),
        ("C", "(D) 42", False),
        ("D", "Dx + 1", None),  # not a choice: sympy decides
        # text answers
        ("\\text{Monday}", "Monday", True),
        ("$David$", "\\text{David}", True),
        ("Monday", "\\text{Friday}", False),
        ("xy", "\\text{yx}", None),  # short bare words may be algebra: sympy decides
        # equations against a plain reference
        ("5", "x = 5", True),
        # composites of plain numbers
        ("(1,3]", "[1,3]", False),
        ("(1, 3]", "(1,3]", True),
        ("(-\\infty, 3)", "(-\\infty,3)", True),
        ("(1,3)", "(1,3]", False),
        ("(7, 5)", "(5, 7)", False),
        ("-1, 8", "\\{8, -1\\}", True),
        ("\\{1,2\\}", "(1,2)", None),  # set vs tuple: strictness is sympy's call
        ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", True),
        ("\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}", "\\begin{pmatrix}1&2\\\\3&5\\end{pmatrix}", False),
        ("4+8i", "8i+4", True),
        ("4+8i", "4 + 8 i", True),
        ("-5-6i", "5 - 6i", False),
        ("9 + i", "9 + 1i", True),
        # identical up to spacing and delimiters
        ("$x^2+1$", "x^2 + 1", True),
        ("\\left(2, 3\\right)", "(2,3)", True),
        ("((1))", "1", True),
        # needs sympy
        ("(x+1)^2", "x^2+2x+1", None),
        ("4\\sqrt{5}", "\\sqrt{80}", None),
    ],
)
def test_fast_verdict(gold: str, pred: str, expected: bool | None) -> None:
    assert fast_verdict(gold, pred) is expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("#### 18", "18"),
        ("Natalia sold 48 clips.\n#### 72", "72"),
        (18, "18"),
        (0.5, "0.5"),
        ("  $\\frac{1}{2}$ ", "$\\frac{1}{2}$"),
        (None, None),
        (True, None),
        (float("nan"), None),
        ("", None),
    ],
)
def test_normalize_reference(reference: object, expected: str | None) -> None:
    assert normalize_reference(reference) == expected


def test_repeating_decimal() -> None:
    assert repeating_to_fraction("-0.\\overline{3}") == "\\frac{-1}{3}" or repeating_to_fraction(
        "-0.\\overline{3}"
    ) == "-\\frac{1}{3}".replace("-\\frac{1}{3}", "\\frac{-1}{3}")


def test_canonical_refuses_huge_literals() -> None:
    assert canonical("1" * 500) is None
