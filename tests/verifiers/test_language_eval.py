"""The accuracy targets of issue 9 on the hand-written set (tests/data/language).

Monolingual mean >= 0.99, wrong-target mean <= 0.05, mean absolute error on mixed
reasonings <= 0.05; ``python -m bench.bench_language --accuracy`` prints the same figures
with the worst cases.
"""

from __future__ import annotations

import pytest

from bench.bench_language import CASES_PATH, accuracy, load_cases
from verifiers.language import LanguageConfig


@pytest.fixture(scope="module")
def figures():  # type: ignore[no-untyped-def]
    return accuracy()


def test_case_file_covers_the_languages_and_mixes() -> None:
    cases = load_cases(CASES_PATH)
    mono = {c.target for c in cases if len(c.languages) == 1}
    assert {"en", "zh", "es", "pt", "fr", "de", "ru", "ja", "ko", "th"} <= mono
    assert sum(len(c.languages) > 1 for c in cases) >= 20
    assert len({c.id for c in cases}) == len(cases)


def test_mixed_gold_is_the_share_of_segment_units() -> None:
    [case] = [c for c in load_cases() if c.id == "mix-en-fr"]
    assert 0.5 < case.expected(LanguageConfig()) < 0.8


def test_monolingual_mean(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.monolingual >= 0.99, figures.worst


def test_wrong_target_mean(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.wrong_target <= 0.05, figures.worst


def test_mixed_mean_absolute_error(figures) -> None:  # type: ignore[no-untyped-def]
    assert figures.mixed_mae <= 0.05, figures.worst
