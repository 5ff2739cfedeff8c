"""Behaviour tables for the shaping components (verifiers/shaping/)."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence

import pytest

from verifiers.registry import Registry, is_group
from verifiers.shaping import (
    COMPONENTS,
    Cosine,
    CosineConfig,
    KimiLength,
    LengthConfig,
    Overlong,
    OverlongConfig,
    ReasoningSteps,
    ReasoningStepsConfig,
    Repetition,
    RepetitionConfig,
    TagCount,
    TagCountConfig,
)
from verifiers.types import Sample, Score, Status

R1 = "<think>\nLet me add.\n</think>\n<answer>\n4\n</answer>"


def correct(value: float | None = 1.0, status: Status = Status.OK) -> Score:
    return Score(value, status)


WRONG = correct(0.0)
RIGHT = correct(1.0)


def test_components_register() -> None:
    registry = Registry(COMPONENTS)
    assert registry.names() == ["cosine", "length", "overlong", "reasoning_steps", "repetition", "tag_count"]
    groups = {c.name for c in COMPONENTS if is_group(c)}
    assert groups == {"cosine", "length"}
    for c in COMPONENTS:
        assert c.requires == (("accuracy",) if c.name in groups else ())
        hash(c.config_type())  # frozen, every parameter has a default


# ------------------------------------------------------------------------- tag_count

TAG_CASES = [
    ("R1 format", R1, False, {}, 1.0),
    ("two think blocks", "<think>a</think><think>b</think><answer>4</answer>", False, {}, 0.5),
    ("no answer tags", "<think>a</think>4", False, {}, 0.5),
    ("think opened by the template", "Let me add.</think><answer>4</answer>", True, {}, 1.0),
    ("same, template not known", "Let me add.</think><answer>4</answer>", False, {}, 0.75),
    ("template opened and completion repeats it", "<think>a</think><answer>4</answer>", True, {}, 1.0),
    ("tags only inside a code fence", "```\n<think>x</think>\n```\n<answer>4</answer>", False, {}, 0.5),
    ("wrong order still earns partial credit", "</answer><answer></think><think>", False, {}, 1.0),
    ("nothing", "", False, {}, 0.0),
    ("open-r1 newlines, present", R1, False, {"newlines": True}, 1.0),
    ("open-r1 newlines, missing", "<think>a</think><answer>4</answer>", False, {"newlines": True}, 0.0),
    (
        "open-r1 newlines, template opened",
        "a\n</think>\n<answer>\n4\n</answer>",
        True,
        {"newlines": True},
        1.0,
    ),
    ("custom tags", "<think>a</think>4", False, {"tags": ("<think>", "</think>")}, 1.0),
    ("custom tags from JSON lists", "<think>a</think>4", False, {"tags": ["<think>"]}, 1.0),
]


@pytest.mark.parametrize(
    "completion, opened, kwargs, expected", [c[1:] for c in TAG_CASES], ids=[c[0] for c in TAG_CASES]
)
def test_tag_count(completion: str, opened: bool, kwargs: dict, expected: float) -> None:
    sample = Sample(completion=completion, prompt_opens_think=opened)
    result = TagCount().evaluate(sample, TagCountConfig(**kwargs))
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected)
    assert set(result.details["counts"]) == set(TagCountConfig(**kwargs).tags)


def test_tag_count_rejects_empty_tags() -> None:
    with pytest.raises(ValueError):
        TagCountConfig(tags=())


# ------------------------------------------------------------------- reasoning_steps

STEP_CASES = [
    ("Step N:", "Step 1: add.\nStep 2: carry.\nStep 3: done.", {}, 1.0),
    ("bold steps", "**Step 1:** add.\n**Step 2:** carry.", {}, 2 / 3),
    ("numbered list", "1. add\n2. carry", {}, 2 / 3),
    ("numbered list, anywhere", "We plan:\n1. add\n2) carry\n3. check", {}, 1.0),
    ("bullets", "- add\n* carry\n• check", {}, 1.0),
    ("transition words", "First, add. Next, carry. Finally, check.", {}, 1.0),
    ("Chinese markers", "首先，相加。然后，进位。最后，检查。", {}, 1.0),
    ("Chinese numbered steps", "第一步相加，第二步进位。", {}, 2 / 3),
    ("no markers", "The answer is 4 because 2 + 2 = 4.", {}, 0.0),
    ("decimals are not lists", "3.5 is the value\n2.25 too", {}, 0.0),
    ("markers inside code do not count", "```\n- a\n- b\n- c\n```\nSo 4.", {}, 0.0),
    ("min_steps 1", "First, add.", {"min_steps": 1}, 1.0),
    ("min_steps 6", "1. a\n2. b\n3. c", {"min_steps": 6}, 0.5),
]


@pytest.mark.parametrize(
    "completion, kwargs, expected", [c[1:] for c in STEP_CASES], ids=[c[0] for c in STEP_CASES]
)
def test_reasoning_steps(completion: str, kwargs: dict, expected: float) -> None:
    result = ReasoningSteps().evaluate(Sample(completion=completion), ReasoningStepsConfig(**kwargs))
    assert result.score == pytest.approx(expected)


# ------------------------------------------------------------------------ repetition

REPETITION_CASES = [
    ("empty", "", {}, None, 0.0),
    ("shorter than n", "two words", {}, None, 0.0),
    ("no repeats", "one two three four five", {}, None, 0.0),
    ("a b c a b c", "a b c a b c", {}, None, -0.25),
    ("one word eight times", "go " * 8, {}, None, -(1 - 1 / 6)),
    ("case-insensitive unigrams", "The the THE the", {"ngram_size": 1}, None, -0.75),
    ("Han characters are units", "好好好好", {}, None, -0.5),
    ("kana and words mixed", "ですです ok ok", {"ngram_size": 2}, None, -(1 - 4 / 5)),
    ("max_penalty scales", "a b c a b c", {"max_penalty": -0.5}, None, -0.125),
    ("token ids", "irrelevant text here", {"token_ids": True, "ngram_size": 2}, [1, 2, 1, 2, 1, 2], -0.6),
    ("token ids asked, none given", "a b c a b c", {"token_ids": True}, None, -0.25),
    ("ids ignored unless asked", "one two three four", {}, [1, 1, 1, 1], 0.0),
]


@pytest.mark.parametrize(
    "completion, kwargs, ids, expected",
    [c[1:] for c in REPETITION_CASES],
    ids=[c[0] for c in REPETITION_CASES],
)
def test_repetition(completion: str, kwargs: dict, ids: list[int] | None, expected: float) -> None:
    extra = {"completion_ids": ids} if ids is not None else {}
    result = Repetition().evaluate(Sample(completion=completion, extra=extra), RepetitionConfig(**kwargs))
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected)
    assert math.copysign(1.0, result.score) == (1.0 if expected == 0 else -1.0)  # never "-0.0"
    assert result.details["unit"] == ("tokens" if ids is not None and kwargs.get("token_ids") else "words")


@pytest.mark.parametrize("kwargs", [{"max_penalty": 0.5}, {"ngram_size": 0}])
def test_repetition_rejects(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        RepetitionConfig(**kwargs)


# ---------------------------------------------------------------------------- cosine

# (id, length in chars, tokens, accuracy, config kwargs, expected score, unit)
COSINE_CASES = [
    ("correct, empty", 0, None, RIGHT, {}, 1.0, "chars"),
    ("correct, half", 500, None, RIGHT, {}, 0.75, "chars"),
    ("correct, at max_len", 1000, None, RIGHT, {}, 0.5, "chars"),
    ("correct, past max_len is clamped", 3000, None, RIGHT, {}, 0.5, "chars"),
    ("wrong, empty is the worst", 0, None, WRONG, {}, -1.0, "chars"),
    ("wrong, half", 500, None, WRONG, {}, -0.75, "chars"),
    ("wrong, at max_len", 1000, None, WRONG, {}, -0.5, "chars"),
    ("wrong, past max_len is clamped", 5000, None, WRONG, {}, -0.5, "chars"),
    ("no answer is wrong", 500, None, correct(0.0, Status.NO_ANSWER), {}, -0.75, "chars"),
    ("partial pass fraction is wrong", 500, None, correct(0.9), {}, -0.75, "chars"),
    ("tokens when the item has them", 10, 500, RIGHT, {}, 0.75, "tokens"),
    ("unit chars forced", 10, 500, RIGHT, {"unit": "chars"}, 0.75 + 0.25 * math.cos(math.pi / 100), "chars"),
    ("custom bounds", 0, None, RIGHT, {"max_value_correct": 2.0, "max_len": 10}, 2.0, "chars"),
]


def run_batch(
    component: object, samples: Sequence[Sample], config: object, accuracy: Sequence[Score | None]
) -> list[Score]:
    return component.evaluate_batch(samples, config, {"accuracy": list(accuracy)})  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "length, tokens, accuracy, kwargs, expected, unit",
    [c[1:] for c in COSINE_CASES],
    ids=[c[0] for c in COSINE_CASES],
)
def test_cosine(
    length: int, tokens: int | None, accuracy: Score, kwargs: dict, expected: float, unit: str
) -> None:
    sample = Sample(completion="x" * length, completion_tokens=tokens)
    [result] = run_batch(Cosine(), [sample], CosineConfig(**kwargs), [accuracy])
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected)
    assert result.details["unit"] == unit


def test_cosine_counts_completion_ids() -> None:
    sample = Sample(completion="x", extra={"completion_ids": list(range(500))})
    [result] = run_batch(Cosine(), [sample], CosineConfig(), [RIGHT])
    assert result.score == pytest.approx(0.75) and result.details == {
        **result.details,
        "unit": "tokens",
        "length": 500,
    }


@pytest.mark.parametrize(
    "accuracy, config",
    [
        (correct(None, Status.INVALID_REFERENCE), CosineConfig()),
        (correct(None, Status.ERROR), CosineConfig()),
        (RIGHT, CosineConfig(unit="tokens")),  # no token count on the item
    ],
)
def test_cosine_not_applicable(accuracy: Score, config: CosineConfig) -> None:
    [result] = run_batch(Cosine(), [Sample(completion="abc")], config, [accuracy])
    assert result.score is None and result.status is Status.NOT_APPLICABLE


def test_cosine_without_accuracy_dependency() -> None:
    result = Cosine().evaluate_batch([Sample(completion="abc")], CosineConfig(), {})
    assert result[0].status is Status.NOT_APPLICABLE


@pytest.mark.parametrize("kwargs", [{"max_len": 0}, {"unit": "bytes"}])
def test_cosine_rejects(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        CosineConfig(**kwargs)


# ---------------------------------------------------------------------------- length

# (id, [(chars, group, accuracy)], config kwargs, expected scores)
KIMI_CASES = [
    (
        "correct λ, wrong min(0, λ)",
        [(100, "p", RIGHT), (200, "p", RIGHT), (300, "p", WRONG)],
        {},
        [0.5, 0.0, -0.5],
    ),
    ("a short wrong answer gets 0, not a bonus", [(100, "p", WRONG), (300, "p", RIGHT)], {}, [0.0, -0.5]),
    ("all equal lengths", [(50, "p", RIGHT), (50, "p", WRONG)], {}, [0.0, 0.0]),
    ("single item", [(50, "p", RIGHT)], {}, [0.0]),
    (
        "groups are independent",
        [(100, "a", RIGHT), (1000, "b", RIGHT), (300, "a", RIGHT), (2000, "b", RIGHT)],
        {},
        [0.5, 0.5, -0.5, -0.5],
    ),
    (
        "no group: the batch is one group",
        [(100, None, RIGHT), (300, None, RIGHT), (200, None, RIGHT)],
        {},
        [0.5, -0.5, 0.0],
    ),
    (
        "unknown correctness: None, length still in the group",
        [(100, "p", correct(None, Status.ERROR)), (200, "p", RIGHT), (300, "p", RIGHT)],
        {},
        [None, 0.0, -0.5],
    ),
]


@pytest.mark.parametrize(
    "items, kwargs, expected", [c[1:] for c in KIMI_CASES], ids=[c[0] for c in KIMI_CASES]
)
def test_kimi_length(
    items: list[tuple[int, str | None, Score]], kwargs: dict, expected: list[float | None]
) -> None:
    samples = [Sample(completion="x" * n, group=g) for n, g, _ in items]
    results = run_batch(KimiLength(), samples, LengthConfig(**kwargs), [a for _, _, a in items])
    assert [r.score for r in results] == pytest.approx(expected)
    for r, e in zip(results, expected):
        assert r.status is (Status.NOT_APPLICABLE if e is None else Status.OK)
        assert r.details["unit"] == "chars"


def test_kimi_length_uses_tokens_only_when_the_whole_group_has_them() -> None:
    with_tokens = [Sample(completion="x", group="a", completion_tokens=n) for n in (10, 30)]
    mixed = [
        Sample(completion="x" * 10, group="b", completion_tokens=999),
        Sample(completion="x" * 30, group="b"),
    ]
    results = run_batch(KimiLength(), with_tokens + mixed, LengthConfig(), [RIGHT] * 4)
    assert [r.details["unit"] for r in results] == ["tokens", "tokens", "chars", "chars"]
    assert [r.score for r in results] == pytest.approx([0.5, -0.5, 0.5, -0.5])


def test_kimi_length_forced_tokens_without_counts() -> None:
    results = run_batch(
        KimiLength(), [Sample(completion="ab", group="a")], LengthConfig(unit="tokens"), [RIGHT]
    )
    assert results[0].status is Status.NOT_APPLICABLE


# -------------------------------------------------------------------------- overlong

OVERLONG = {"max_length": 100, "cache_length": 20}
# (id, tokens, chars, config kwargs, expected, unit)
OVERLONG_CASES = [
    ("well under", 10, 0, OVERLONG, 0.0, "tokens"),
    ("at the soft zone's start", 80, 0, OVERLONG, 0.0, "tokens"),
    ("halfway through the soft zone", 90, 0, OVERLONG, -0.5, "tokens"),
    ("at max_length", 100, 0, OVERLONG, -1.0, "tokens"),
    ("past max_length", 5000, 0, OVERLONG, -1.0, "tokens"),
    ("penalty_factor", 90, 0, {**OVERLONG, "penalty_factor": 0.5}, -0.25, "tokens"),
    ("past max_length, penalty_factor", 101, 0, {**OVERLONG, "penalty_factor": 0.5}, -0.5, "tokens"),
    ("chars without a token count", None, 95, OVERLONG, -0.75, "chars"),
    ("defaults: 16384 / 4096", 14336, 0, {}, -0.5, "tokens"),
]


@pytest.mark.parametrize(
    "tokens, chars, kwargs, expected, unit",
    [c[1:] for c in OVERLONG_CASES],
    ids=[c[0] for c in OVERLONG_CASES],
)
def test_overlong(tokens: int | None, chars: int, kwargs: dict, expected: float, unit: str) -> None:
    sample = Sample(completion="x" * chars, completion_tokens=tokens)
    result = Overlong().evaluate(sample, OverlongConfig(**kwargs))
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected)
    assert result.details["unit"] == unit


@pytest.mark.parametrize(
    "kwargs",
    [{"cache_length": 0}, {"max_length": 10, "cache_length": 20}, {"penalty_factor": -1}, {"unit": "x"}],
)
def test_overlong_rejects(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        OverlongConfig(**kwargs)


# ------------------------------------------------------------------------ robustness


def test_one_megabyte_scores_without_blowup() -> None:
    """A guard against super-linear blowups (a hang), not a speed test."""
    rng = random.Random(0)
    alphabet = list("ab <think></think>\n- 1. Step 2: First, 好```") + [
        chr(rng.randrange(32, 0x3000)) for _ in range(50)
    ]
    text = "".join(rng.choice(alphabet) for _ in range(1_000_000))
    sample = Sample(completion=text)
    start = time.perf_counter()
    for component in (TagCount(), ReasoningSteps(), Repetition(), Overlong()):
        result = component.evaluate(sample, component.config_type())
        assert result.status is Status.OK
    for component in (Cosine(), KimiLength()):
        [result] = run_batch(component, [sample], component.config_type(), [RIGHT])
        assert result.status is Status.OK
    assert time.perf_counter() - start < 15
