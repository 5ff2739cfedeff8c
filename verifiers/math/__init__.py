"""Math accuracy: extract → normalise → fast verdict, or a symbolic job for the worker pool.

Stages (each its own module): :mod:`~verifiers.math.extract` finds the anchored final
answer, :mod:`~verifiers.math.normalize` decides the easy cases without sympy, and
:mod:`~verifiers.math.compare` runs math-verify under the pool's hard deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifiers.math.compare import symbolic_verdict
from verifiers.math.extract import MAX_ANSWER_CHARS, extract_answer, last_boxed
from verifiers.math.forms import prepare
from verifiers.math.normalize import clean_latex, clean_reference, fast_verdict_clean, normalize_reference
from verifiers.math.risk import looks_expensive
from verifiers.text import split_parts
from verifiers.types import Job, Sample, Score, Status

__all__ = ["MathConfig", "MathAccuracy"]


@dataclass(frozen=True)
class MathConfig:
    """Parameters of the math ``accuracy`` component.

    ``float_rounding``: decimal places both sides are rounded to when one is a decimal.
    ``strict``: math-verify's strict mode (variables matter; sets are not tuples).
    ``allow_set_relation_comp``: let a predicted relation (``-2 \\le x \\le 7``) match a
    reference set or interval (``x \\in [-2, 7]``); off by default, as in math-verify.
    """

    float_rounding: int = 6
    strict: bool = True
    allow_set_relation_comp: bool = False


def _reference_answer(reference: object) -> str | None:
    """The reference's answer: a full solution (MATH stores one) is reduced to its last box."""
    text = normalize_reference(reference)
    if text is not None and ("\\boxed" in text or "\\fbox" in text):
        boxed = last_boxed(text)
        if boxed is not None and boxed.strip():
            return boxed.strip()
    return text


class MathAccuracy:
    name = "accuracy"
    task = "math"
    config_type = MathConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: MathConfig) -> Score | Job:
        reference = _reference_answer(sample.reference)
        if reference is None:
            return Score(None, Status.INVALID_REFERENCE, "the item has no usable reference answer")
        parts = split_parts(sample.completion, sample.prompt_opens_think)
        extraction = extract_answer(parts.answer)
        if extraction is None:
            reason = (
                "the reasoning was never closed (no </think>), so there is no answer"
                if parts.has_think and not parts.closed
                else "no anchored final answer (<answer> tags, \\boxed{} or 'the answer is')"
            )
            return Score(0.0, Status.NO_ANSWER, reason)
        answer = extraction.text
        details = {"extracted": answer[:500], "source": extraction.source, "reference": reference[:500]}
        if len(answer) > MAX_ANSWER_CHARS:
            return Score(0.0, Status.TOO_LARGE, f"the answer is over {MAX_ANSWER_CHARS} characters", details)
        prepared = prepare(answer, reference)
        if isinstance(prepared, Score):
            return Score(prepared.score, prepared.status, prepared.reason, {**details, "path": "forms"})
        answer, reference = prepared.answer, prepared.reference
        if prepared.notes:
            details["read_as"] = answer[:500]
        clean_answer = clean_latex(answer)
        verdict = fast_verdict_clean(clean_reference(reference), clean_answer, config.float_rounding)
        if verdict is not None:
            return Score(
                1.0 if verdict else 0.0,
                Status.OK,
                "equal" if verdict else "not equal",
                {**details, "path": "fast"},
            )
        key = ("math", reference, clean_answer, config)
        return Job(
            fn=symbolic_verdict,
            args=(reference, answer, config.float_rounding, config.strict, config.allow_set_relation_comp),
            key=key,
            details={**details, "path": "symbolic"},
            lane="quarantine" if looks_expensive(answer, reference) else "main",
        )
