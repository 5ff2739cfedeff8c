"""Completions, groups and the batch: final-answer forms, labels per group, :func:`make_batch`."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .base import Problem
from .mixes import kind_for, make_problem
from .prose import cut, reasoning, word_count

__all__ = ["FORMS", "LABELS", "make_batch"]

FORMS = ("think_answer", "think_answer_boxed", "boxed", "final_answer_is", "answer_colon")
LABELS = ("correct", "wrong", "missing")

MIN_WORDS = 200
MAX_WORDS = 800
MISSING_RATE = 0.08
TRAP_RATE = 0.35

# --------------------------------------------------------------------------- final answers

_INSTRUCTIONS = {
    "think_answer": "Think first inside <think> </think>, then give only the final answer inside <answer> </answer>.",
    "think_answer_boxed": "Think inside <think> </think>, then give the final answer as \\boxed{} inside <answer> </answer>.",
    "boxed": "Please reason step by step, and put your final answer within \\boxed{}.",
    "final_answer_is": "Solve the problem. End with 'The final answer is $X$. I hope it is correct.'",
    "answer_colon": "Solve the problem step by step. On the last line write 'Answer: ' followed by the answer.",
}


def _needs_math(answer: str) -> bool:
    return any(ch in answer for ch in "\\^{}")


def _latexy(answer: str) -> str:
    """A percent sign inside math must be escaped; models write ``25\\%`` there."""
    return answer.replace("%", "\\%") if "%" in answer and "\\%" not in answer else answer


def _final(rng: random.Random, form: str, answer: str) -> str:
    """The closing of a completion that states ``answer`` in ``form``."""
    if form == "think_answer":
        return rng.choice(
            [f"<answer>{answer}</answer>", f"<answer> {answer} </answer>", f"<answer>\n{answer}\n</answer>"]
        )
    la = _latexy(answer)
    if form == "think_answer_boxed":
        return rng.choice([f"<answer>\\boxed{{{la}}}</answer>", "<answer>$\\boxed{" + la + "}$</answer>"])
    if form == "boxed":
        return rng.choice(
            [
                f"Therefore, the answer is $\\boxed{{{la}}}$.",
                f"So the final answer is:\n\\[\n\\boxed{{{la}}}\n\\]",
                f"Thus the answer is \\boxed{{{la}}}.",
            ]
        )
    if form == "final_answer_is":
        tail = rng.choice([" I hope it is correct.", ""])
        return f"The final answer is ${la}$.{tail}"
    shown = f"${la}$" if _needs_math(answer) else answer
    return rng.choice([f"Answer: {shown}", f"**Answer:** {shown}"])


def _completion(rng: random.Random, problem: Problem, form: str, label: str, answer: str | None) -> str:
    """A full completion. ``answer`` is what it states finally (None when missing)."""
    think = form.startswith("think")
    if label == "missing":
        n = rng.randint(MIN_WORDS, MAX_WORDS) - int(think)
        trap = rng.choice(problem.correct) if rng.random() < TRAP_RATE else None
        if trap is not None:
            trap = _latexy(trap)
        body = cut(reasoning(rng, n + 5, problem.forbidden, trap), n)
        return ("<think>\n" + body) if think else body
    assert answer is not None
    final = _final(rng, form, answer)
    recap = f"\n\nPutting everything together, we get ${_latexy(answer)}$." if rng.random() < 0.4 else ""
    # a sentence overshoots the target by at most ~25 words: aim inside the bounds
    total = rng.randint(MIN_WORDS, MAX_WORDS - 30)
    body = reasoning(rng, total - word_count(final) - word_count(recap) - 2 * int(think), problem.forbidden) + recap
    if think:
        return f"<think>\n{body}\n</think>\n{final}"
    return f"{body}\n\n{final}"


def _group_labels(rng: random.Random, n: int) -> list[str]:
    """Labels for one group: prompts differ in difficulty, so the correct rate varies by group."""
    p_correct = rng.choice([0.95, 0.85, 0.75, 0.65, 0.55, 0.4])
    out = []
    for _ in range(n):
        if rng.random() < MISSING_RATE:
            out.append("missing")
        else:
            out.append("correct" if rng.random() < p_correct else "wrong")
    return out


def _pick(rng: random.Random, options: Sequence[str], dominant: float) -> str:
    """The first option with probability ``dominant``, else any other: answers repeat within a group."""
    if len(options) == 1 or rng.random() < dominant:
        return options[0]
    return rng.choice(list(options[1:]))


def _group(seed: int, index: int, per_prompt: int, mix: str) -> list[dict[str, object]]:
    kind, rng = kind_for(mix, seed, index)
    problem = make_problem(kind, rng)
    main_form = rng.choice(FORMS)
    group = f"p{index:04d}"
    prompt = f"{problem.question}\n\n{_INSTRUCTIONS[main_form]}"
    wrong_order = list(problem.wrong)
    rng.shuffle(wrong_order)
    items: list[dict[str, object]] = []
    for j, label in enumerate(_group_labels(rng, per_prompt)):
        form = main_form if rng.random() < 0.8 else rng.choice(FORMS)
        answer: str | None = None
        if label == "correct":
            answer = _pick(rng, problem.correct, 0.7)
        elif label == "wrong":
            answer = _pick(rng, wrong_order, 0.6)
        items.append(
            {
                "id": f"{group}-{j:02d}",
                "group": group,
                "prompt": prompt,
                "completion": _completion(rng, problem, form, label, answer),
                "reference": problem.reference,
                "label": label,
                "kind": kind,
                "answer": answer,
                "form": form,
            }
        )
    return items


def make_batch(
    n_prompts: int = 125, per_prompt: int = 16, seed: int = 0, mix: str = "easy"
) -> list[dict[str, object]]:
    """``n_prompts`` groups of ``per_prompt`` labelled completions, identical for a given seed.

    Each item: ``id``, ``group``, ``prompt``, ``completion``, ``reference`` (as stored by a
    data set), ``label`` (correct / wrong / missing), ``kind`` (answer kind), plus ``answer``
    (the final answer as written, None when missing) and ``form`` (how it was written).
    Each group has its own random stream, so a group does not change with ``n_prompts``.
    ``mix``: ``"easy"`` (every kind in turn) or ``"symbolic"`` (MATH/Olympiad-like, with
    the algebra kinds; see :mod:`.mixes`).
    """
    items: list[dict[str, object]] = []
    for i in range(n_prompts):
        items.extend(_group(seed, i, per_prompt, mix))
    return items

