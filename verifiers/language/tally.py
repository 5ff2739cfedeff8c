"""Tally: split the masked reasoning into sentences and units, label them, count.

Units: one per word for space-separated scripts (single-letter Latin, Greek and Cyrillic
words are dropped: they are variables far more often than words), one per character for
scripts written without spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) times
``char_weight``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from verifiers.language.masking import MATH_WORDS, mask_non_language
from verifiers.language.model import log_probs
from verifiers.language.tables import (
    DEFAULT_LANGUAGES,
    HAN_CHARS,
    HAN_LANGUAGES,
    HANGUL_CHARS,
    KANA_CHARS,
    NO_SPACE_CHARS,
    NO_SPACE_SCRIPTS,
    SCRIPT_DEFAULT,
    SHARED_SCRIPTS,
    script_of,
)

_LETTER = rf"[^\W\d_{HAN_CHARS}{KANA_CHARS}{HANGUL_CHARS}{NO_SPACE_CHARS}]"
# Combining marks and joiners (Indic vowel signs, Arabic harakat, accents, ZWJ/ZWNJ):
# not word characters for ``re``, but part of words.
_MARK = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0f18-\u0fbc"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f]"
)
_NO_SPACE_RUN = "|".join(f"[{chars}]+" for chars in NO_SPACE_SCRIPTS.values())
_TOKEN_RE = re.compile(
    # Colons are no stop: "Using the Euclidean algorithm: 126 = 84 + 42, so …" is one sentence.
    r"(?P<stop>[\n。！？；\u17d4\u17d5\u104a\u104b]|[.!?;…](?=\s|$))"
    r"|(?P<clause>[,，、()（）—–]|\s-\s)"
    rf"|(?P<han>[{HAN_CHARS}]+)"
    rf"|(?P<kana>[{KANA_CHARS}]+)"
    rf"|(?P<hangul>[{HANGUL_CHARS}]+)"
    rf"|(?P<nospace>{_NO_SPACE_RUN})"
    # Letters, then marks or a joined part (l'école, well-known). Nothing follows the group,
    # so the engine never backtracks into it.
    rf"|(?P<word>{_LETTER}+(?:{_MARK}+{_LETTER}*|['’-]{_LETTER}+)*)"
)
# The letters of a no-space run: vowel signs, tone marks and digits are no units of their own.
_NO_SPACE_LETTER_RE = re.compile(r"[^\W\d_]")

_DROP_SINGLE_LETTER = frozenset({"Latin", "el", "Cyrillic"})
# Fewer words of a shared script in a sentence than this: no evidence of its own, the
# sentence takes the label of its context.
_MIN_SENTENCE_WORDS = 3
# Longer runs are classified in pieces of this many words.
_CHUNK_WORDS = 64
# Model calls per script per reasoning before sampling (about 25 µs each).
_MAX_MODEL_CALLS = 2000
# No word in any language is longer; longer letter runs are padding, not language.
_MAX_WORD_CHARS = 64
# Reading sentences in context (see ``_decode``): the cost, in natural-log units of model
# evidence, of a switch of language between two sentences (half of it for starting or
# ending the reasoning in another language than its own label), and the head start of the
# target in that label. A lone sentence inside the reasoning leaves its context only with
# evidence above twice the switch cost: odds of e^3 ≈ 20 to 1 over its neighbours' label.
# Measured on tests/data/language (python -m bench.bench_language --accuracy).
SWITCH_COST = 1.5
TARGET_PRIOR = 0.25
# A sentence's evidence is scaled by units / this (at most 1): the model is as sure of
# three words as of twelve, and wrong far more often on three.
FULL_EVIDENCE_UNITS = 6


@dataclass(slots=True)
class _Sentence:
    han: int = 0
    kana: int = 0
    # Per shared script, its clauses (split at commas, parentheses, dashes): the words the
    # model reads (single letters included: "a", "y", "é" are words in Spanish and
    # Portuguese) and the number of units among them. A switch inside a sentence happens
    # at a clause boundary far more often than anywhere else.
    shared: dict[str, list[tuple[list[str], int]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Tally:
    """Units per language label (a weighted count)."""

    counts: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.counts.values())

    def top(self) -> str | None:
        return max(self.counts, key=self.counts.__getitem__) if self.counts else None


def _sentences(
    masked: str, allowed: frozenset[str], char_weight: float
) -> tuple[list[_Sentence], dict[str, float]]:
    """Split into sentences, counting one-language scripts directly.

    Returns the sentences (Han/kana character counts and shared-script words, still to be
    labelled) and the counts already decided by script. The hot loop of the component:
    ``findall`` tuples and local state, no per-token objects.
    """
    sentences: list[_Sentence] = []
    direct: dict[str, float] = {}
    han = kana = 0
    clauses: dict[str, list[tuple[list[str], int]]] = {}
    words: dict[str, list[str]] = {}  # the open clause, per shared script
    units: dict[str, int] = {}

    def close_clause() -> None:
        for script, ws in words.items():
            clauses.setdefault(script, []).append((ws, units.get(script, 0)))
        words.clear()
        units.clear()

    for stop, clause, han_run, kana_run, hangul, nospace, word in _TOKEN_RE.findall(masked):
        if word:
            n = len(word)
            if n > _MAX_WORD_CHARS:
                continue
            script = "Latin" if word[0] < "\u0250" else script_of(word)
            if allowed and word.casefold() in allowed:
                continue
            if script == "Latin" or script in SHARED_SCRIPTS:
                if script == "Latin" and word in MATH_WORDS:
                    continue
                words.setdefault(script, []).append(word)
                if n > 1 or script not in _DROP_SINGLE_LETTER:
                    units[script] = units.get(script, 0) + 1
            elif n > 1 or script not in _DROP_SINGLE_LETTER:
                direct[script] = direct.get(script, 0.0) + 1.0
        elif clause:
            if words:
                close_clause()
        elif stop:
            if words:
                close_clause()
            if han or kana or clauses:
                sentences.append(_Sentence(han, kana, clauses))
                han = kana = 0
                clauses = {}
        elif han_run:
            han += len(han_run)
        elif kana_run:
            kana += len(kana_run)
        elif nospace:
            letters = len(_NO_SPACE_LETTER_RE.findall(nospace))
            if letters:
                script = script_of(nospace)
                direct[script] = direct.get(script, 0.0) + letters * char_weight
        elif hangul:  # one unit per word
            direct["ko"] = direct.get("ko", 0.0) + 1.0
    if words:
        close_clause()
    if han or kana or clauses:
        sentences.append(_Sentence(han, kana, clauses))
    return sentences, direct


def _merge_short(clauses: list[tuple[list[str], int]]) -> list[tuple[list[str], int]]:
    """Join each clause too short to be evidence to the next one of its sentence (the last
    one to the one before): "São 128 números, e essa é a resposta" is read whole, as two
    pieces of two words it would be no evidence at all."""
    if len(clauses) == 1:
        return clauses
    out: list[tuple[list[str], int]] = []
    words: list[str] = []
    units = 0
    for clause_words, clause_units in clauses:
        words = words + clause_words
        units += clause_units
        if units >= _MIN_SENTENCE_WORDS:
            out.append((words, units))
            words, units = [], 0
    if words:
        if out:
            last_words, last_units = out[-1]
            out[-1] = (last_words + words, last_units + units)
        else:
            out.append((words, units))
    return out


def _candidates(script: str, languages: Iterable[str], target: str | None) -> tuple[str, ...]:
    """Languages the model may choose for a shared script; one means no model call."""
    wanted = {*languages, SCRIPT_DEFAULT[script]}
    if target is not None:
        wanted.add(target)
    return tuple(sorted(wanted & SHARED_SCRIPTS[script]))


def tally(
    text: str,
    languages: Iterable[str] = DEFAULT_LANGUAGES,
    target: str | None = None,
    cjk_char_weight: float = 1.0,
    allowed: frozenset[str] = frozenset(),
) -> Tally:
    """Units per language in ``text`` (masked first). ``target`` joins the candidates.

    ``cjk_char_weight``: units per character of the scripts written without spaces (Han,
    kana, Thai, Lao, Khmer, Myanmar).
    """
    sentences, counts = _sentences(mask_non_language(text), allowed, cjk_char_weight)
    languages = tuple(languages)
    by_script: dict[str, list[tuple[list[str], int]]] = {}
    for s in sentences:
        if s.han:
            han_label = "ja" if s.kana else (target if target in HAN_LANGUAGES else "zh")
            counts[han_label] = counts.get(han_label, 0.0) + s.han * cjk_char_weight
        if s.kana:
            counts["ja"] = counts.get("ja", 0.0) + s.kana * cjk_char_weight
        for script, clauses in s.shared.items():
            by_script.setdefault(script, []).extend(_merge_short(clauses))
    for script, groups in by_script.items():
        candidates = _candidates(script, languages, target)
        drop_single = script in _DROP_SINGLE_LETTER
        for label, n in _label_shared(groups, candidates, target, drop_single).items():
            if n:
                counts[label] = counts.get(label, 0.0) + n
    return Tally(counts)


def _label_shared(
    groups: list[tuple[list[str], int]],
    candidates: tuple[str, ...],
    target: str | None,
    drop_single: bool = True,
) -> dict[str, float]:
    """Label each sentence's words of one shared script, in context; return units per label.

    Each sentence (long ones cut into pieces of at most ``_CHUNK_WORDS`` words, never
    truncated) brings the model's evidence for each candidate; a sentence with fewer than
    ``_MIN_SENTENCE_WORDS`` units brings none. ``_decode`` then labels the sequence as a
    whole. Sentences in order of the text: the neighbours are the context.
    """
    if len(candidates) == 1:
        return {candidates[0]: float(sum(n for _, n in groups))}
    pieces: list[tuple[str | None, int]] = []  # (model text or None for no evidence, units)
    for words, units in groups:
        if units < _MIN_SENTENCE_WORDS:
            pieces.append((None, units))
        elif len(words) <= _CHUNK_WORDS:
            pieces.append((" ".join(words), units))
        else:
            for i in range(0, len(words), _CHUNK_WORDS):
                chunk = words[i : i + _CHUNK_WORDS]
                units = sum(1 for w in chunk if len(w) > 1 or not drop_single)
                pieces.append((" ".join(chunk), units))
    evidence = _evidence_many([text for text, _ in pieces], candidates)
    evidence = [
        e if e is None or units >= FULL_EVIDENCE_UNITS else tuple(x * units / FULL_EVIDENCE_UNITS for x in e)
        for e, (_, units) in zip(evidence, pieces)
    ]
    if all(e is None for e in evidence):
        # Only short sentences: read them together, as one piece of evidence.
        words = [w for ws, _ in groups for w in ws][:_CHUNK_WORDS]
        evidence = [None] * len(pieces)
        if words:
            evidence[0] = log_probs(" ".join(words), candidates)
    prior = candidates.index(target) if target in candidates else None
    labels = _decode(evidence, len(candidates), prior)
    counts: dict[str, float] = {}
    for label, (_, units) in zip(labels, pieces):
        code = candidates[label]
        counts[code] = counts.get(code, 0.0) + units
    return counts


def _decode(evidence: list[tuple[float, ...] | None], k: int, prior: int | None) -> list[int]:
    """The most probable labels of a sequence of sentences (Viterbi, linear in its length).

    Why: the model reads each sentence alone, and a short or formula-heavy Spanish sentence
    comes out Portuguese, Italian or English often enough to cost a monolingual reasoning
    8-13%. Read as a sequence, a label is the sum of the sentences' log-evidence minus
    ``SWITCH_COST`` per change of language, and half of it for starting or ending in
    another label than the reasoning's own (the candidate with the most evidence overall,
    the target ``TARGET_PRIOR`` ahead): an end sentence has one neighbour, not two. So a sentence leaves its neighbours only on strong evidence, a run of sentences
    in another language on their summed evidence, and a sentence without evidence (too
    short) joins its context.
    """
    overall = [0.0] * k
    for e in evidence:
        if e is not None:
            for j in range(k):
                overall[j] += e[j]
    if prior is not None:
        overall[prior] += TARGET_PRIOR
    home = max(range(k), key=overall.__getitem__)
    edge = SWITCH_COST / 2  # a sentence at either end has one neighbour, not two
    score = [0.0 if j == home else -edge for j in range(k)]
    back: list[tuple[int, tuple[bool, ...]]] = []  # (best previous, stayed per label)
    for e in evidence:
        best = max(range(k), key=score.__getitem__)
        switch = score[best] - SWITCH_COST
        stayed = tuple(score[j] >= switch for j in range(k))
        score = [(score[j] if stayed[j] else switch) + (e[j] if e is not None else 0.0) for j in range(k)]
        back.append((best, stayed))
    final = [score[j] - (0.0 if j == home else edge) for j in range(k)]
    label = max(range(k), key=final.__getitem__)
    labels = [0] * len(evidence)
    for t in range(len(evidence) - 1, -1, -1):
        labels[t] = label
        best, stayed = back[t]
        if not stayed[label]:
            label = best
    return labels


def _evidence_many(lines: list[str | None], candidates: tuple[str, ...]) -> list[tuple[float, ...] | None]:
    """Evidence for ``lines`` (None: no evidence), with at most about ``_MAX_MODEL_CALLS`` calls.

    Repeated lines are read once. Past the cap (a reasoning of tens of thousands of
    words), every k-th line is read and the lines between bring no evidence of their own
    (they follow their context), so a hostile megabyte costs tens of milliseconds.
    """
    n = sum(1 for line in lines if line is not None)
    step = -(-n // _MAX_MODEL_CALLS) if n else 1
    seen: dict[str, tuple[float, ...]] = {}
    out: list[tuple[float, ...] | None] = []
    i = 0
    for line in lines:
        if line is None:
            out.append(None)
            continue
        e = seen.get(line)
        if e is None and not i % step:
            e = seen[line] = log_probs(line, candidates)
        out.append(e)
        i += 1
    return out
