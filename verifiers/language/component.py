"""Component: the config, the target language, and ``language`` itself."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from verifiers.language.tables import DEFAULT_LANGUAGES, KNOWN_LANGUAGES, normalize_language
from verifiers.language.tally import tally
from verifiers.text import split_parts
from verifiers.types import Sample, Score, Status



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
    min_units: float = 3.0
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
