"""Behaviour tables for issue 9 (language consistency): short reasonings, sentences read in
context, scripts without spaces between words. Each table also runs end to end through
``/v1/score``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from verifiers.language import LanguageConfig, LanguageConsistency, tally
from verifiers.types import Sample, Score, Status

COMPONENT = LanguageConsistency()


def think(body: str) -> str:
    return f"<think>\n{body}\n</think>\nThe answer is 42."


def score(completion: str, target: str, config: LanguageConfig | None = None) -> Score:
    return COMPONENT.evaluate(Sample(completion=completion, language=target), config or LanguageConfig())


def http_score(client: TestClient, completion: str, target: str) -> float | None:
    body: dict[str, Any] = {
        "items": [{"completion": completion, "reference": "42", "language": target}],
        "components": {"language": 1.0},
    }
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text
    value: float | None = response.json()["results"][0]["components"]["language"]
    return value


# ------------------------------------------------------------------ short reasonings
# A short reasoning is still a proportion (R1's definition); only a reasoning with (almost)
# no language units (all math, one or two words) gets below_min_value (0.0 by default).
# (id, reasoning, target, expected)
SHORT_CASES = [
    ("9 English words", "Hmm, that doesn't look right. Let me recompute …", "en", 1.0),
    ("6 words around math", "Wait, $7 \\times 8 = 56$, not 54. So the total is 56.", "en", 1.0),
    ("3 words", "OK so $x = 4$. Yes.", "en", 1.0),
    ("short Spanish", "Vale, entonces la respuesta es 12.", "es", 1.0),
    ("short Portuguese", "Espera, acho que errei a conta.", "pt", 1.0),
    ("short German", "Moment, das stimmt nicht. Nochmal rechnen.", "de", 1.0),
    ("short French", "Attends, je me suis trompé. Je recommence.", "fr", 1.0),
    ("short Russian", "Подожди, здесь ошибка. Пересчитаю.", "ru", 1.0),
    ("short Chinese", "等一下，这里算错了。", "zh", 1.0),
    ("short Korean", "잠깐, 계산이 틀렸다. 다시 하자.", "ko", 1.0),
    ("short Japanese", "ちょっと待って、計算が違う。", "ja", 1.0),
    ("short, wrong target", "Hmm, that doesn't look right. Let me recompute …", "de", 0.0),
    ("short Spanish, pt target", "Vale, entonces la respuesta es 12.", "pt", 0.0),
    ("all math", "$$\\int_0^1 x^2\\,dx = \\frac{1}{3}$$\nx = 3, y = 4.", "en", 0.0),
    ("math and one word", "$x^2 = 4$, so $x = 2$.", "en", 0.0),
    ("math and two words", "$x^2 = 4$. Hence $x = \\pm 2$. Done.", "en", 0.0),
    ("empty", "", "en", 0.0),
]


@pytest.mark.parametrize("text, target, expected", [c[1:] for c in SHORT_CASES], ids=[c[0] for c in SHORT_CASES])
def test_short_reasoning_is_a_proportion(text: str, target: str, expected: float) -> None:
    result = score(think(text), target)
    assert result.status is Status.OK
    assert result.score == pytest.approx(expected, abs=1e-9), result


def test_below_min_units_still_configurable() -> None:
    text = think("Hmm, that doesn't look right. Let me recompute …")
    result = score(text, "en", LanguageConfig(min_units=10, below_min_value=0.25))
    assert result.score == 0.25 and "min_units" in result.reason
    result = score(think("$x = 1$, so."), "en", LanguageConfig(below_min_value=0.5))
    assert result.score == 0.5


# --------------------------------------------------------------- sentences in context
# Monolingual Spanish/Portuguese reasonings whose short or formula-heavy sentences the
# model alone reads as another language; each sentence is read next to its neighbours
# and the reasoning's own label, so one ambiguous sentence does not flip.
ES_AMBIGUOUS = (
    "Bien, sea n el número de cajas.\n"
    "Para n igual a uno, hay $2^1 = 2$ formas.\n"
    "Y para n igual a dos, hay 4.\n"
    "Ok, total.\n"
    "Entonces el patrón es $2^n$ y para diez cajas son 1024 formas.\n"
    "Perfecto, la respuesta es 1024."
)
PT_AMBIGUOUS = (
    "Primeiro, vamos contar os casos possíveis com cuidado.\n"
    "Bom, agora o segundo caso.\n"
    "A soma total é quarenta.\n"
    "Ok, vamos continuar.\n"
    "Então a média dos dois casos é vinte, e essa é a resposta final."
)
ES_TOTAL_OK = (
    "Calculamos el área del primer terreno, que mide 20 por 30 metros.\n"
    "Total: 600.\n"
    "Ok.\n"
    "Luego sumamos el segundo terreno, que es igual, y obtenemos 1200 metros cuadrados."
)
PT_WITH_CLEAR_SPANISH = (
    "Vamos calcular a área do triângulo usando a fórmula de Herão, com os lados 5, 6 e 7.\n"
    "Pero antes tenemos que calcular el semiperímetro, que es la mitad de la suma de los lados.\n"
    "O semiperímetro é 9, então a área é $\\sqrt{9 \\cdot 4 \\cdot 3 \\cdot 2} = 6\\sqrt{6}$."
)
EN_WITH_CLEAR_FRENCH = (
    "We need to count the positive divisors of 360, which factors as $2^3 \\cdot 3^2 \\cdot 5$.\n"
    "Ensuite, on ajoute un à chaque exposant et on multiplie les résultats obtenus.\n"
    "So the count is 24, which I will verify once more by listing a few divisors."
)
FR_WITH_TWO_ENGLISH = (
    "On cherche la somme des angles intérieurs d'un hexagone régulier.\n"
    "Wait, the formula is $(n-2) \\cdot 180$ degrees for any convex polygon.\n"
    "Let me apply it to six sides and see what comes out.\n"
    "Donc pour six côtés, on obtient 720 degrés, et chaque angle mesure 120 degrés."
)
# (id, reasoning, target, {label: units} expected exactly)
CONTEXT_CASES = [
    ("es: short sentences stay es", ES_AMBIGUOUS, "es", None, 1.0),
    ("pt: ambiguous sentences stay pt", PT_AMBIGUOUS, "pt", None, 1.0),
    ("es: 'Total' and 'Ok' stay es", ES_TOTAL_OK, "es", None, 1.0),
    ("es text, pt target: still es", ES_AMBIGUOUS, "pt", None, 0.0),
    ("pt text, es target: still pt", PT_AMBIGUOUS, "es", None, 0.0),
    # A clear sentence in another language still counts for it.
    ("pt with a clear es sentence", PT_WITH_CLEAR_SPANISH, "pt", {"pt": 15.0, "es": 17.0}, 15 / 32),
    ("en with a clear fr sentence", EN_WITH_CLEAR_FRENCH, "en", {"en": 24.0, "fr": 12.0}, 24 / 36),
    ("fr with two en sentences", FR_WITH_TWO_ENGLISH, "fr", {"fr": 22.0, "en": 21.0}, 22 / 43),
]


@pytest.mark.parametrize(
    "text, target, counts, expected", [c[1:] for c in CONTEXT_CASES], ids=[c[0] for c in CONTEXT_CASES]
)
def test_sentences_read_in_context(
    text: str, target: str, counts: dict[str, float] | None, expected: float
) -> None:
    result = score(think(text), target)
    assert result.score == pytest.approx(expected, abs=1e-9), result
    if counts is not None:
        assert result.details["counts"] == counts


# ---------------------------------------------------- scripts without spaces between words
# One unit per letter (vowel signs and tone marks belong to their letter), as for Han.
# (id, text, target, expected counts)
CHAR_CASES = [
    ("Thai", "เดี๋ยวก่อน คำนวณผิด", "th", {"th": 14.0}),
    ("Lao", "ພວກເຮົາຄິດໄລ່", "lo", {"lo": 10.0}),
    ("Khmer", "យើងគណនា", "km", {"km": 5.0}),
    ("Myanmar", "ကျွန်ုပ်တို့ တွက်မည်", "my", {"my": 8.0}),
    ("Thai digits are not units", "ได้ ๑๒ บาท", "th", {"th": 5.0}),
    ("Thai with English words", "ก่อนอื่น we compute the area", "th", {"th": 5.0, "en": 4.0}),
]


@pytest.mark.parametrize("text, target, expected", [c[1:] for c in CHAR_CASES], ids=[c[0] for c in CHAR_CASES])
def test_scripts_without_spaces_count_characters(text: str, target: str, expected: dict[str, float]) -> None:
    assert tally(text, target=target).counts == expected


THAI_30_WORDS = (
    "ก่อนอื่น เราต้องแก้สมการ $2x + 3 = 11$ ลบสามออกจากทั้งสองข้าง จะได้ $2x = 8$ ดังนั้น $x = 4$\n"
    "เดี๋ยวก่อน ลองตรวจสอบอีกครั้ง แทนค่าลงในสมการ จะได้สิบเอ็ด ถูกต้อง\n"
    "แต่โจทย์ถามค่าของ $x^2$ ดังนั้นคำตอบคือสิบหก"
)
THAI_CASES = [
    ("30-word Thai reasoning", THAI_30_WORDS, "th", 1.0),
    ("Thai reasoning, en target", THAI_30_WORDS, "en", 0.0),
    ("Thai reasoning, lo target", THAI_30_WORDS, "lo", 0.0),
]


@pytest.mark.parametrize("text, target, expected", [c[1:] for c in THAI_CASES], ids=[c[0] for c in THAI_CASES])
def test_thai_reasoning(text: str, target: str, expected: float) -> None:
    result = score(think(text), target)
    assert result.score == pytest.approx(expected), result
    if target == "th":
        assert result.details["units"] > 100


# ------------------------------------------------------------------ through /v1/score

HTTP_CASES = [
    *[(f"short: {c[0]}", c[1], c[2], c[3]) for c in SHORT_CASES],
    *[(f"context: {c[0]}", c[1], c[2], c[4]) for c in CONTEXT_CASES],
    *[(f"thai: {c[0]}", c[1], c[2], c[3]) for c in THAI_CASES],
]


@pytest.mark.parametrize("text, target, expected", [c[1:] for c in HTTP_CASES], ids=[c[0] for c in HTTP_CASES])
def test_language_tables_through_v1_score(client: TestClient, text: str, target: str, expected: float) -> None:
    assert http_score(client, think(text), target) == pytest.approx(expected, abs=1e-9)
