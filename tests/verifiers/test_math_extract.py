"""Anchored answer extraction: what counts as a final answer, and what never does."""

import pytest

from verifiers.math.extract import extract_answer, find_boxed
from verifiers.text import split_parts


def extract(completion: str, opened: bool = False) -> tuple[str, str] | None:
    found = extract_answer(split_parts(completion, opened).answer)
    return None if found is None else (found.text, found.source)


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        # answer tags win, with or without a box inside
        ("<think>so 3</think><answer>42</answer>", ("42", "answer_tag")),
        ("<think>r</think><answer>The answer is $\\boxed{7}$.</answer>", ("7", "answer_tag")),
        ("<think>r</think><answer>The final answer is: 12</answer>", ("12", "answer_tag")),
        ("<answer>1</answer> then <answer>2</answer>", ("2", "answer_tag")),
        # the last box, nested braces intact; adjacent boxes are one answer
        ("so $\\boxed{\\frac{1}{2}}$", ("\\frac{1}{2}", "boxed")),
        ("\\boxed{1}. Wait, that is wrong: \\boxed{3}", ("3", "boxed")),
        ("first \\boxed{1}\nthen \\boxed{3}", ("3", "boxed")),
        ("roots $\\boxed{1}$ and $\\boxed{-2}$", ("1, -2", "boxed")),
        ("\\fbox{5}", ("5", "boxed")),
        ("\\boxed 5 is it", ("5", "boxed")),
        ("\\boxed{\\boxed{4}}", ("\\boxed{4}", "boxed")),
        # phrases near the end
        ("Long work. The final answer is $\\frac{3}{4}$.", ("\\frac{3}{4}", "phrase")),
        ("So the answer is 18.", ("18", "phrase")),
        ("**Answer:** 6 + 7i", ("6 + 7i", "phrase")),
        ("Answer: C", ("C", "phrase")),
        # no anchor, no answer: never the last number or the last $…$
        ("We get $x = 4$ and then $y = 5$", None),
        ("The sum is 10 and so on", None),
        ("", None),
        # a truncated reasoning has no answer even if it boxed something inside
        ("<think>maybe \\boxed{3} ... and then", None),
        # an unclosed box is no box
        ("so \\boxed{12", None),
        # empty answer tags are no answer
        ("<think>r</think><answer>  </answer>", None),
        # answers inside code fences are not answers
        ("```\n<answer>9</answer>\n```", None),
    ],
)
def test_extract(completion: str, expected: tuple[str, str] | None) -> None:
    assert extract(completion) == expected


def test_the_prompt_opened_think() -> None:
    assert extract("reasoning...</think><answer>4</answer>", opened=True) == ("4", "answer_tag")
    assert extract("reasoning without end \\boxed{4}", opened=True) is None


def test_phrase_only_near_the_end() -> None:
    text = "The answer is 7. " + "more reasoning " * 200
    assert extract(text) is None


def test_deeply_nested_boxes_are_linear() -> None:
    text = "\\boxed{" * 20000 + "1" + "}" * 20000
    boxes = find_boxed(text)
    assert len(boxes) == 20000
