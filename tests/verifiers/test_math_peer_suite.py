"""math-verify's own test suite, run against our verifier under our defaults.

Each case is scored as a completion ``<answer>{pred}</answer>`` against ``gold``, with the
case's settings where we expose the same knob (``float_rounding``, ``strict``,
``allow_set_relation_comp``). Every disagreement must be one of the deliberate conventions
listed in ``DELIBERATE``; the test prints the agreement and the list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from verifiers.math import MathAccuracy, MathConfig
from verifiers.types import Job, Sample

CASES = Path(__file__).parent.parent / "data" / "math_verify_cases.jsonl"

# (gold prefix, pred prefix) -> why we differ on purpose.
DELIBERATE: dict[tuple[str, str], str] = {
    ("$9$", "Answer $ \n 9 \n $"): "we accept line breaks inside math delimiters around a bare answer",
    ("$9$", "Answer \\( \n 9 \n \\)"): "we accept line breaks inside math delimiters around a bare answer",
    ("$10455$", "First, let's calculate"): (
        "a \\boxed{} outranks a later 'final answer is' phrase (the anchor order of our extraction)"
    ),
    ("\\boxed{1} no no no no no \\boxed{2}", "$\\boxed{1,2}$"): (
        "boxes in one sentence less than 40 characters apart are one answer, in a reference as in a"
        " prediction (math-verify cuts off sooner: it joins 'papers and' but not 'no no no no no')"
    ),
    ("Since $25<30<36$", "We have that \\begin{align*}"): (
        "the prediction's box is malformed (\\boxed{12 $ and $13 }): we take the box, not the phrase after it"
    ),
}


def _cases() -> list[dict[str, object]]:
    return [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]


def _score(case: dict[str, object]) -> bool:
    config = MathConfig(
        float_rounding=int(case["float_rounding"]),  # type: ignore[arg-type]
        strict=bool(case["strict"]),
        allow_set_relation_comp=bool(case["allow_set_relation_comp"]),
    )
    outcome = MathAccuracy().evaluate(
        Sample(completion=f"<answer>{case['pred']}</answer>", reference=case["gold"]), config
    )
    if isinstance(outcome, Job):
        outcome = outcome.run_here()
    return outcome.score == 1.0


def _documented(case: dict[str, object]) -> str | None:
    for (gold, pred), why in DELIBERATE.items():
        if str(case["gold"]).startswith(gold) and str(case["pred"]).startswith(pred):
            return why
    return None


@pytest.mark.slow
def test_agreement_with_math_verify_suite(capsys: pytest.CaptureFixture[str]) -> None:
    cases = _cases()
    disagreements = [c for c in cases if _score(c) != c["expected"]]
    agreement = 1 - len(disagreements) / len(cases)
    with capsys.disabled():
        print(f"\nmath-verify suite: {len(cases) - len(disagreements)}/{len(cases)} agree ({agreement:.1%})")
        for c in disagreements:
            print(f"  expected={c['expected']} gold={str(c['gold'])[:50]!r} pred={str(c['pred'])[:50]!r}")
            print(f"    why: {_documented(c) or 'UNDOCUMENTED'}")
    undocumented = [c for c in disagreements if _documented(c) is None]
    assert not undocumented, f"{len(undocumented)} disagreements are not deliberate conventions"
    assert agreement >= 0.97
