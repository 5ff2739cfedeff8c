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
from verifiers.language.model import classify
from verifiers.language.tables import (
    DEFAULT_LANGUAGES,
    HAN_CHARS,
    HAN_LANGUAGES,
    HANGUL_CHARS,
    KANA_CHARS,
    SCRIPT_DEFAULT,
    SHARED_SCRIPTS,
    script_of,
)

_LETTER = rf"[^\W\d_{HAN_CHARS}{KANA_CHARS}{HANGUL_CHARS}]"
# Combining marks and joiners (Indic vowel signs, Arabic harakat, accents, ZWJ/ZWNJ):
# not word characters for ``re``, but part of words.
_MARK = (
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    "\u0900-\u0dff\u0e31-\u0e4e\u0eb1-\u0ecd\u0f18-\u0fbc\u102b-\u103e\u17b4-\u17d3"
    "\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff\ufe20-\ufe2f]"
)
_TOKEN_RE = re.compile(
    r"(?P<stop>[\n。！？；]|[.!?;:…](?=\s|$))"
    rf"|(?P<han>[{HAN_CHARS}]+)"
    rf"|(?P<kana>[{KANA_CHARS}]+)"
    rf"|(?P<hangul>[{HANGUL_CHARS}]+)"
    # Letters, then marks or a joined part (l'école, well-known). Nothing follows the group,
    # so the engine never backtracks into it.
    rf"|(?P<word>{_LETTER}+(?:{_MARK}+{_LETTER}*|['’-]{_LETTER}+)*)"
)

_DROP_SINGLE_LETTER = frozenset({"Latin", "el", "Cyrillic"})
# Fewer words of a shared script in a sentence than this: use the whole reasoning's label.
_MIN_SENTENCE_WORDS = 3
# Longer runs are classified in pieces of this many words.
_CHUNK_WORDS = 64
# Model calls per script per reasoning before sampling (about 10-25 µs each).
_MAX_MODEL_CALLS = 2000
# No word in any language is longer; longer letter runs are padding, not language.
_MAX_WORD_CHARS = 64



@dataclass(slots=True)
class _Sentence:
    han: int = 0
    kana: int = 0
    shared: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Tally:
    """Units per language label (a weighted count)."""

    counts: dict[str, float]

    @property
    def total(self) -> float:
        return sum(self.counts.values())

    def top(self) -> str | None:
        return max(self.counts, key=self.counts.__getitem__) if self.counts else None


def _sentences(masked: str, allowed: frozenset[str]) -> tuple[list[_Sentence], dict[str, float]]:
    """Split into sentences, counting one-language scripts directly.

    Returns the sentences (Han/kana character counts and shared-script words, still to be
    labelled) and the counts already decided by script. The hot loop of the component:
    ``findall`` tuples and local state, no per-token objects.
    """
    sentences: list[_Sentence] = []
    direct: dict[str, float] = {}
    han = kana = 0
    latin: list[str] = []
    shared: dict[str, list[str]] = {}
    for stop, han_run, kana_run, _hangul, word in _TOKEN_RE.findall(masked):
        if word:
            n = len(word)
            if n > _MAX_WORD_CHARS:
                continue
            script = "Latin" if word[0] < "\u0250" else script_of(word)
            if (n == 1 and script in _DROP_SINGLE_LETTER) or (allowed and word.casefold() in allowed):
                continue
            if script == "Latin":
                if word in MATH_WORDS:
                    continue
                latin.append(word)
            elif script in SHARED_SCRIPTS:
                shared.setdefault(script, []).append(word)
            else:
                direct[script] = direct.get(script, 0.0) + 1.0
        elif stop:
            if han or kana or latin or shared:
                if latin:
                    shared["Latin"] = latin
                sentences.append(_Sentence(han, kana, shared))
                han = kana = 0
                latin = []
                shared = {}
        elif han_run:
            han += len(han_run)
        elif kana_run:
            kana += len(kana_run)
        else:  # hangul: one unit per word
            direct["ko"] = direct.get("ko", 0.0) + 1.0
    if han or kana or latin or shared:
        if latin:
            shared["Latin"] = latin
        sentences.append(_Sentence(han, kana, shared))
    return sentences, direct


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
    """Units per language in ``text`` (masked first). ``target`` joins the candidates."""
    sentences, counts = _sentences(mask_non_language(text), allowed)
    languages = tuple(languages)
    by_script: dict[str, list[list[str]]] = {}
    for s in sentences:
        if s.han:
            han_label = "ja" if s.kana else (target if target in HAN_LANGUAGES else "zh")
            counts[han_label] = counts.get(han_label, 0.0) + s.han * cjk_char_weight
        if s.kana:
            counts["ja"] = counts.get("ja", 0.0) + s.kana * cjk_char_weight
        for script, words in s.shared.items():
            by_script.setdefault(script, []).append(words)
    for script, groups in by_script.items():
        for label, n in _label_shared(groups, _candidates(script, languages, target)).items():
            counts[label] = counts.get(label, 0.0) + n
    return Tally(counts)


def _label_shared(groups: list[list[str]], candidates: tuple[str, ...]) -> dict[str, float]:
    """Label each sentence's words of one shared script; return words per label.

    Long sentences are cut into pieces of at most ``_CHUNK_WORDS`` words (never truncated).
    Sentences too short for the model take the majority label of the long ones (or, if
    there are none, the label of all the short ones read together).
    """
    if len(candidates) == 1:
        return {candidates[0]: float(sum(map(len, groups)))}
    long: list[list[str]] = []
    short: list[list[str]] = []
    for words in groups:
        if len(words) < _MIN_SENTENCE_WORDS:
            short.append(words)
        else:
            if len(words) <= _CHUNK_WORDS:
                long.append(words)
            else:
                long.extend(words[i : i + _CHUNK_WORDS] for i in range(0, len(words), _CHUNK_WORDS))
    counts: dict[str, float] = {}
    for label, words in zip(_classify_many([" ".join(w) for w in long], candidates), long):
        counts[label] = counts.get(label, 0.0) + len(words)
    if short:
        if counts:
            label = max(counts, key=counts.__getitem__)
        else:
            label = classify(" ".join(w for g in short[:_CHUNK_WORDS] for w in g), candidates)
        counts[label] = counts.get(label, 0.0) + sum(map(len, short))
    return counts


def _classify_many(lines: list[str], candidates: tuple[str, ...]) -> list[str]:
    """Labels of ``lines``, with at most about ``_MAX_MODEL_CALLS`` calls to the model.

    Repeated lines are classified once. Past the cap (a reasoning of tens of thousands of
    words), every k-th line is classified and the lines between take the label before
    them, so a hostile megabyte costs tens of milliseconds, not a second.
    """
    step = -(-len(lines) // _MAX_MODEL_CALLS)
    seen: dict[str, str] = {}
    labels: list[str] = []
    for i, line in enumerate(lines):
        label = seen.get(line)
        if label is None:
            if i % step and labels:
                label = labels[-1]
            else:
                label = seen[line] = classify(line, candidates)
        labels.append(label)
    return labels


