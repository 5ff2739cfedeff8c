"""The benchmark's labelled batch: deterministic, well-formed, and its labels true.

Labels are checked with a parser written here, independently of the generator: for the
numeric answer kinds the written answer's value must equal the reference's exactly when the
item is labelled correct. Missing items must carry no final answer in any form.
"""

from __future__ import annotations

import re
from collections import Counter
from fractions import Fraction

import pytest

from bench.grpo_data import KINDS, LABELS, make_batch

NUMERIC_KINDS = {
    "integer",
    "negative",
    "decimal",
    "fraction",
    "mixed_form",
    "thousands",
    "percent",
    "degrees",
    "equation",
    "scientific",
}


@pytest.fixture(scope="module")
def batch() -> list[dict[str, object]]:
    return make_batch(n_prompts=2 * len(KINDS), per_prompt=16, seed=7)


def value(text: str | float) -> Fraction:
    """Exact value of the numeric spellings used in data sets and completions."""
    s = str(text).strip()
    s = s.removeprefix("####")
    s = s.strip().strip("$")
    if s.startswith("\\boxed{") and s.endswith("}"):
        s = s[len("\\boxed{") : -1]
    s = re.sub(r"^[a-z]\s*=\s*", "", s.strip())
    s = re.sub(r"\\text\{[^}]*\}", "", s)
    for token in ("\\%", "%", "^\\circ", "^{\\circ}", "°", "{,}", "\\,", ",", " "):
        s = s.replace(token, "")
    if m := re.fullmatch(r"(-?)\\[dt]?frac\{?(\d+)\}?\{?(\d+)\}?", s):
        v = Fraction(int(m.group(2)), int(m.group(3)))
        return -v if m.group(1) else v
    if m := re.fullmatch(r"(-?\d+)/(\d+)", s):
        return Fraction(int(m.group(1)), int(m.group(2)))
    if m := re.fullmatch(r"(-?\d+(?:\.\d+)?)(?:\\times|\\cdot)10\^\{?(-?\d+)\}?", s):
        return Fraction(m.group(1)) * Fraction(10) ** int(m.group(2))
    return Fraction(s)


def test_same_seed_same_batch_other_seed_other_batch() -> None:
    assert make_batch(3, 16, seed=1) == make_batch(3, 16, seed=1)
    assert make_batch(3, 16, seed=1) != make_batch(3, 16, seed=2)


def test_groups_do_not_depend_on_batch_size() -> None:
    assert make_batch(5, 16, seed=0)[:32] == make_batch(2, 16, seed=0)


def test_shape(batch: list[dict[str, object]]) -> None:
    assert len(batch) == 2 * len(KINDS) * 16
    assert len({it["id"] for it in batch}) == len(batch)
    assert {it["kind"] for it in batch} == set(KINDS)
    groups = Counter(str(it["group"]) for it in batch)
    assert set(groups.values()) == {16}
    for g in groups:
        members = [it for it in batch if it["group"] == g]
        assert len({m["prompt"] for m in members}) == 1
        assert len({repr(m["reference"]) for m in members}) == 1
    for it in batch:
        assert it["label"] in LABELS
        assert 200 <= len(str(it["completion"]).split()) <= 800, it["id"]
        assert (it["answer"] is None) == (it["label"] == "missing")


def test_label_mix_is_grpo_like(batch: list[dict[str, object]]) -> None:
    share = Counter(str(it["label"]) for it in batch)
    n = len(batch)
    assert 0.5 <= share["correct"] / n <= 0.75
    assert 0.15 <= share["wrong"] / n <= 0.4
    assert 0.03 <= share["missing"] / n <= 0.14


def test_answers_repeat_within_a_group(batch: list[dict[str, object]]) -> None:
    for g in {it["group"] for it in batch}:
        answers = [it["answer"] for it in batch if it["group"] == g and it["label"] == "correct"]
        if len(answers) >= 6:
            assert Counter(answers).most_common(1)[0][1] >= len(answers) / 3


def test_numeric_labels_are_true(batch: list[dict[str, object]]) -> None:
    checked = 0
    for it in batch:
        if it["kind"] not in NUMERIC_KINDS or it["label"] == "missing":
            continue
        same = value(str(it["answer"])) == value(it["reference"])  # type: ignore[arg-type]
        assert same == (it["label"] == "correct"), (it["id"], it["answer"], it["reference"])
        checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    "spelling, expected",
    [
        ("#### 1,234", Fraction(1234)),
        ("$\\frac34$", Fraction(3, 4)),
        ("-\\dfrac{9}{7}", Fraction(-9, 7)),
        ("x = -5", Fraction(-5)),
        ("3.2 \\times 10^{-3}", Fraction(32, 10_000)),
        ("30^\\circ", Fraction(30)),
        ("12{,}345", Fraction(12345)),
        ("909 \\text{ apples}", Fraction(909)),
    ],
)
def test_value_parser_of_this_test(spelling: str, expected: Fraction) -> None:
    assert value(spelling) == expected


def test_structured_labels_spot_check(batch: list[dict[str, object]]) -> None:
    """Intervals, matrices and choices: same spelling up to layout iff labelled correct."""

    def norm(s: object) -> str:
        t = str(s).strip().strip("$")
        if t.startswith("\\boxed{"):
            t = t[len("\\boxed{") : -1]
        for token in ("\\left", "\\right", " ", "bmatrix", "\\textbf", "\\text", "{", "}", "(", ")"):
            t = t.replace(token, "pmatrix" if token == "bmatrix" else "")
        return t

    kinds = {"interval", "matrix", "choice"}
    for it in batch:
        if it["kind"] in kinds and it["label"] != "missing":
            if it["kind"] == "interval":
                same = str(it["answer"]).replace("\\left", "").replace("\\right", "").replace(" ", "") == str(
                    it["reference"]
                ).strip("$").replace("\\boxed{", "").rstrip("}").replace(" ", "")
            else:
                same = norm(it["answer"]) == norm(it["reference"])
            assert same == (it["label"] == "correct"), (it["id"], it["answer"], it["reference"])


def test_missing_items_state_no_final_answer(batch: list[dict[str, object]]) -> None:
    missing = [str(it["completion"]) for it in batch if it["label"] == "missing"]
    assert missing
    for text in missing:
        for marker in ("\\boxed", "<answer>", "</think>", "final answer is", "Answer:"):
            assert marker not in text


def test_some_missing_items_carry_the_gold_trap() -> None:
    """The trap: a truncated completion whose last inline math is the gold's value."""

    def last_math_is_gold(it: dict[str, object]) -> bool:
        maths = re.findall(r"\$([^$]*)\$", str(it["completion"]))
        try:
            return bool(maths) and value(maths[-1]) == value(it["reference"])  # type: ignore[arg-type]
        except (ValueError, ZeroDivisionError):
            return False

    items = [it for it in make_batch(60, 16, seed=0) if it["label"] == "missing" and it["kind"] == "integer"]
    trapped = [it for it in items if last_math_is_gold(it)]
    assert 0 < len(trapped) < len(items)
