"""Tables: language codes, the scripts they are written in, and Unicode ranges.

Data only (and the two lookups over it), so every stage reads the same facts.
"""

from __future__ import annotations

import bisect


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



# Character ranges (for regex classes) of the scripts counted per character or by word.
HAN_CHARS = "\u3005\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
KANA_CHARS = "\u3041-\u3096\u3099-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL_CHARS = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
# Scripts written without spaces between words (besides Han and kana): a space ends a phrase
# or a sentence, not a word, so they are counted per letter like Han. One class per script,
# so a run never mixes two of them; the full stops of Khmer (U+17D4-5) and Myanmar
# (U+104A-B) are left out, they end sentences.
NO_SPACE_SCRIPTS: dict[str, str] = {
    "th": "\u0e00-\u0e7f",
    "lo": "\u0e80-\u0eff",
    "my": "\u1000-\u1049\u104c-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f",
    "km": "\u1780-\u17d3\u17d6-\u17ff\u19e0-\u19ff",
}
NO_SPACE_CHARS = "".join(NO_SPACE_SCRIPTS.values())

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


def script_of(word: str) -> str:
    """The script of a word by its first letter; a language code for one-language scripts."""
    c = word[0]
    if c < "\u0250":
        return "Latin"
    i = bisect.bisect_right(_RANGE_STARTS, ord(c)) - 1
    return _SCRIPT_RANGES[i][1] if i >= 0 else "Latin"

