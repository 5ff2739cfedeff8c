"""Issue 9, comparison side: answer forms math-verify reads differently from a careful grader.

One behaviour table per category (see :mod:`verifiers.math.forms`), fair answers (1) and
gamed or wrong ones (0) side by side; each row is ``(answer, reference, score)``. The answer
is wrapped in R1 tags; every table runs in-process and end to end through ``/v1/score``.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from verifiers.math import MathAccuracy, MathConfig
from verifiers.math.forms import Prepared, explicit_products, prepare
from verifiers.types import Job, Sample

Row = tuple[str, str, float]

UNITS: list[Row] = [
    ("5 dollars", "5", 1),
    ("5 \\text{ dollars}", "5", 1),
    ("12 cm", "12", 1),
    ("3 hours", "3", 1),
    ("7 apples", "7", 1),
    ("12 \\text{ square units}", "12", 1),
    ("60 \\text{ km/h}", "60", 1),
    ("\\frac{1}{2}\\text{ cm}", "0.5", 1),
    ("6 dollars", "5", 0),
]
QUALIFIERS: list[Row] = [
    ("4 \\text{ or more}", "4", 0),
    ("4 \\text{ or fewer}", "4", 0),
    ("18 \\text{ is wrong}", "18", 0),
    ("18 is not right", "18", 0),
    ("7 \\text{ at least}", "7", 0),
    ("3 \\text{ or } 4", "3", 0),
    ("10 \\text{ approximately}", "10", 0),
    ("4 \\text{ or more}", "4 \\text{ or more}", 1),
]
MULTIPLIERS: list[Row] = [
    ("1.5\\text{ million}", "1500000", 1),
    ("2\\text{ thousand}", "2000", 1),
    ("3 \\text{ billion}", "3000000000", 1),
    ("2.5 million", "2500000", 1),
    ("1.5\\text{ million}", "1.5", 0),
    ("4 \\text{ thousand}", "4", 0),
    ("1.2\\text{ trillion}", "1200000000000", 1),
]
SPACED_DIGITS: list[Row] = [
    ("2 3", "23", 0),
    ("2 3", "5", 0),
    ("2 3", "6", 0),
    ("1 23", "123", 0),
    ("12 3456", "123456", 0),
    ("1 000 000", "1000000", 1),
    ("12 345", "12345", 1),
    ("1\\,000", "1000", 1),
    ("-1 000", "-1000", 1),
]
MIXED_NUMBERS: list[Row] = [
    ("2 1/2", "5/2", 1),
    ("2 1/2", "21/2", 0),
    ("2 1/2", "\\frac{3}{2}", 0),
    ("3\\ \\frac{1}{4}", "\\frac{13}{4}", 1),
    ("2\\frac{1}{2}", "\\frac{5}{2}", 1),
    ("1 3/4", "1.75", 1),
    ("2 3/2", "7/2", 0),
]
SETS_AND_TUPLES: list[Row] = [
    ("\\{1, 2\\}", "(1,2)", 0),
    ("(1,2)", "\\{1,2\\}", 0),
    ("\\{3, 5\\}", "(3, 5)", 0),
    ("\\{3, 5\\}", "[3, 5]", 0),
    ("\\left\\{ 1, 2 \\right\\}", "(1, 2)", 0),
    ("\\{1,2\\}", "\\{2,1\\}", 1),
    ("(1, 2)", "(1,2)", 1),
    ("\\{\\sqrt{2}, -\\sqrt{2}\\}", "(\\sqrt{2}, -\\sqrt{2})", 0),
]
PRODUCTS: list[Row] = [
    ("2\\pi r^2 + 2\\pi r", "2\\pi r^2 + 2\\pi r h", 0),
    ("2\\pi r^2 + 2\\pi r h", "2\\pi r^2 + 2\\pi r", 0),
    ("2\\pi r^2 + 2\\pi r h", "2\\pi r(r+h)", 1),
    ("\\pi r h", "\\pi r", 0),
    ("a b c", "abc", 1),
    ("a b c", "a", 0),
    ("\\sin x", "\\sin(x)", 1),
    ("5 h", "5", 1),
]
RELATIONS: list[Row] = [
    ("2 < x < 5", "(2,5)", 1),
    ("2 \\le x \\le 5", "[2,5]", 1),
    ("2 < x \\le 5", "[2,5]", 0),
    ("x > 3", "(3, \\infty)", 1),
    ("x \\geq -1", "[-1, \\infty)", 1),
    ("x<1 \\text{ or } x>2", "(-\\infty,1)\\cup(2,\\infty)", 1),
    ("(-\\infty,1)\\cup(2,\\infty)", "x<1 \\text{ or } x>2", 1),
    ("x \\neq 3", "(-\\infty,3)\\cup(3,\\infty)", 1),
    ("x < 1 \\lor x > 3", "(-\\infty,1)\\cup(2,\\infty)", 0),
    ("5 > x > 2", "(2,5)", 1),
]
ASSIGNMENTS: list[Row] = [
    ("y=-1, x=3", "(3,-1)", 1),
    ("x=3, y=-1", "(3,-1)", 1),
    ("x=-1, y=3", "(3,-1)", 0),
    ("b = 2, a = 1, c = 3", "(1, 2, 3)", 1),
    ("y = 2 \\text{ and } x = 1", "(1, 2)", 1),
    ("x = 1, x = 2", "(1, 2)", 0),
]
YES_NO: list[Row] = [
    ("\\text{Yes, it is possible}", "Yes", 1),
    ("\\text{No, it is not possible}", "No", 1),
    ("\\text{No, it is impossible}", "Yes", 0),
    ("Yes, because n is even", "\\text{Yes}", 1),
    ("\\text{No}", "Yes", 0),
    ("\\text{Yes}", "Yes", 1),
]
CHOICES: list[Row] = [
    ("Option C", "C", 1),
    ("The correct option is C.", "C", 1),
    ("\\textbf{(E)}\\ \\frac{1}{2}", "E", 1),
    ("\\textbf{(D)}\\ \\frac{1}{2}", "E", 0),
    ("answer: (B)", "B", 1),
    ("Option D", "C", 0),
]
LONG_INTEGERS: list[Row] = [
    ("1" * 5000, "1" * 5000, 1),
    ("1" * 5000, "1" * 4999 + "2", 0),
    ("1" * 5000, "1" * 4999, 0),
    ("-" + "9" * 4400, "-" + "9" * 4400, 1),
    ("0" + "7" * 4500, "7" * 4500, 1),
]

TABLES: dict[str, list[Row]] = {
    "units": UNITS,
    "qualifiers": QUALIFIERS,
    "multipliers": MULTIPLIERS,
    "spaced_digits": SPACED_DIGITS,
    "mixed_numbers": MIXED_NUMBERS,
    "sets_and_tuples": SETS_AND_TUPLES,
    "products": PRODUCTS,
    "relations": RELATIONS,
    "assignments": ASSIGNMENTS,
    "yes_no": YES_NO,
    "choices": CHOICES,
    "long_integers": LONG_INTEGERS,
}


def _completion(answer: str) -> str:
    return f"<think>I worked it out.</think><answer>{answer}</answer>"


def _rows() -> list[Any]:
    return [
        pytest.param(answer, reference, score, id=f"{name}-{i}")
        for name, rows in TABLES.items()
        for i, (answer, reference, score) in enumerate(rows)
    ]


@pytest.mark.parametrize(("answer", "reference", "score"), _rows())
def test_row(answer: str, reference: str, score: float) -> None:
    outcome = MathAccuracy().evaluate(Sample(completion=_completion(answer), reference=reference), MathConfig())
    if isinstance(outcome, Job):
        outcome = outcome.run_here()
    assert outcome.score == float(score), (outcome.reason, outcome.details)


@pytest.mark.parametrize("table", list(TABLES))
def test_table_through_score_api(client: TestClient, table: str) -> None:
    rows = TABLES[table]
    items = [{"completion": _completion(a), "reference": r} for a, r, _ in rows]
    response = client.post("/v1/score", json={"items": items, "components": {"accuracy": 1}})
    assert response.status_code == 200, response.text
    got = [r["components"]["accuracy"] for r in response.json()["results"]]
    assert got == [float(score) for *_, score in rows]


def test_prepare_leaves_ordinary_answers_alone() -> None:
    for answer, reference in [("\\frac{1}{2}", "0.5"), ("x^2+1", "1+x^2"), ("2x", "2 x"), ("(1,3]", "(1,3]"), ("12", "12")]:
        assert prepare(answer, reference) == Prepared(answer, reference)


def test_explicit_products_touch_only_single_letters() -> None:
    assert explicit_products("2\\pi r h") == "2\\pi r\\,h"
    assert explicit_products("a b c") == "a\\,b\\,c"
    assert explicit_products("\\sin x") == "\\sin x"
    assert explicit_products("5 h") == "5 h"
    assert explicit_products("x \\in (1,2)") == "x \\in (1,2)"
