"""The reasoning text of a completion: filler and arithmetic sentences that never show the gold.

Why it matters: an unanchored extractor takes the last number or ``$...$`` of the text, so
the prose carries many values, none of them the gold's (``forbidden``), except in the
deliberate trap of truncated completions.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction
from math import comb

__all__ = ["cut", "reasoning", "word_count"]

# --------------------------------------------------------------------------- reasoning text

_FILLER = (
    "Let me think about this step by step.",
    "Okay, so first I need to understand what the problem is really asking.",
    "Wait, I should double-check that before moving on.",
    "That seems consistent with the conditions given in the problem.",
    "Hmm, let me reconsider the setup, because something feels off.",
    "Now I need to be careful about the edge cases here.",
    "Let me organize what I know so far.",
    "Okay, that part is settled, so let me continue with the next piece.",
    "Actually, there might be a cleaner way to see this.",
    "I will go back and verify each step before committing to anything.",
    "The key observation is that the two conditions interact in a simple way.",
    "So the constraint on the second quantity is the one that matters most.",
    "Let me re-read the problem statement to make sure I did not miss a detail.",
    "This is a standard technique, but it is easy to make a sign error.",
    "I think the approach is right, but the arithmetic needs another look.",
    "Alternatively, I could try a small case to build some intuition.",
    "Right, and that matches what I expected from the symmetry of the problem.",
    "Let me write this more carefully, one line at a time.",
    "No wait, that is not quite right; the earlier value was for a different case.",
    "Good, both approaches agree so far, which is reassuring.",
    "If I am not careful I will double count some of the cases.",
    "It helps to name the unknown quantity and write everything in terms of it.",
)

_Sentence = tuple[str, tuple[Fraction, ...]]


def _math_sentence(rng: random.Random) -> _Sentence:
    """One sentence of plausible arithmetic with the values it shows (to check against the gold)."""
    a, b, c = rng.randint(2, 60), rng.randint(2, 60), rng.randint(61, 150)
    k = rng.randint(2, 9)
    pick = rng.randrange(14)
    F = Fraction
    if pick == 0:
        return f"Adding the two parts gives ${a} + {b} = {a + b}$.", (F(a), F(b), F(a + b))
    if pick == 1:
        return f"There are ${a} \\times {k} = {a * k}$ arrangements in this case.", (F(a), F(k), F(a * k))
    if pick == 2:
        return f"That leaves ${c} - {a} = {c - a}$ for the remaining part.", (F(c), F(a), F(c - a))
    if pick == 3:
        return (
            f"Substituting $n = {k}$ into $n^2 - {b}$ gives ${k * k - b}$, which is not what we want.",
            (F(k), F(b), F(k * k - b)),
        )
    if pick == 4:
        d = b * b - 4 * k * a
        return (
            f"The discriminant is $b^2 - 4ac = {b}^2 - 4 \\cdot {k} \\cdot {a} = {d}$.",
            (F(b), F(k), F(a), F(d)),
        )
    if pick == 5:
        return (
            f"So the ratio at this stage is $\\frac{{{a}}}{{{c}}}$, which I will keep as it is for now.",
            (F(a, c), F(a), F(c)),
        )
    if pick == 6:
        return f"Dividing, $\\frac{{{a * k}}}{{{k}}} = {a}$.", (F(a * k), F(k), F(a))
    if pick == 7:
        n = rng.randint(5, 20)
        return f"The number of pairs is $\\binom{{{n}}}{{2}} = {comb(n, 2)}$.", (F(n), F(comb(n, 2)))
    if pick == 8:
        return (
            f"If $x = {a}$, then $2x + {b} = {2 * a + b}$, which is too large.",
            (F(a), F(b), F(2 * a + b)),
        )
    if pick == 9:
        return f"The perimeter of that piece is $2({a} + {b}) = {2 * (a + b)}$.", (F(a), F(b), F(2 * (a + b)))
    if pick == 10:
        return f"Checking $k = {k}$: we get ${k}^3 = {k**3}$.", (F(k), F(k**3))
    if pick == 11:
        return (f"Multiplying both sides by ${k}$ gives ${k}x = {k * a}$.", (F(k), F(k * a), F(a)))
    if pick == 12:
        m = rng.randint(3, 11)
        return (f"Reducing, ${c} \\equiv {c % m} \\pmod{{{m}}}$.", (F(c), F(c % m), F(m)))
    return (
        f"Let me write it out:\n\\[ {a} \\cdot {k} + {b} = {a * k + b} \\]\nand continue from there.",
        (F(a), F(k), F(b), F(a * k + b)),
    )


def _sentence(rng: random.Random, forbidden: frozenset[Fraction], math_ok: bool) -> str:
    """A filler or arithmetic sentence that never shows a forbidden value."""
    if math_ok and rng.random() < 0.45:
        for _ in range(20):
            text, values = _math_sentence(rng)
            if not forbidden.intersection(values):
                return text
    return rng.choice(_FILLER)


def word_count(text: str) -> int:
    return len(text.split())


def reasoning(
    rng: random.Random, n_words: int, forbidden: frozenset[Fraction], trap: str | None = None
) -> str:
    """Paragraphs of reasoning of about ``n_words`` words.

    With ``trap``, the gold is written in ``$...$`` some 15–40 words before the end and only
    math-free sentences follow: the last inline math of the text is then the gold.
    """
    trap_at = n_words - rng.randint(15, 40) if trap is not None else None
    paragraphs: list[str] = []
    para: list[str] = []
    count = 0
    while count < n_words:
        if trap_at is not None and trap is not None and count >= trap_at:
            s = rng.choice(
                [
                    f"Tentatively this suggests ${trap}$, but I have not checked the other condition yet.",
                    f"One candidate is ${trap}$, although I am not convinced it satisfies everything.",
                    f"If that is right we would get ${trap}$, but let me verify the second case first.",
                ]
            )
            trap = None
        else:
            s = _sentence(rng, forbidden, math_ok=trap_at is None or count < trap_at)
        para.append(s)
        count += word_count(s)
        if len(para) >= rng.randint(3, 6):
            paragraphs.append(" ".join(para))
            para = []
    if para:
        paragraphs.append(" ".join(para))
    return "\n\n".join(paragraphs)


def cut(text: str, n_words: int) -> str:
    """The text up to its ``n_words``-th word: a completion stopped by the length limit."""
    ends = [m.end() for m in re.finditer(r"\S+", text)]
    if n_words >= len(ends):
        return text
    return text[: ends[n_words - 1]]

