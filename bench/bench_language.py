"""Benchmark: the ``language`` component, reasonings per second at 500 and 2,000 words.

Why it is built this way:

* The target is absolute and small: a 2,000-word reasoning in a few milliseconds, on one
  core, with nothing downloaded. So the component is called directly (no HTTP: the server
  adds the same overhead to every component), single-threaded, after one untimed call
  that loads the model (its load time is reported on its own).
* Reasonings are generated, not repeated: sentences are assembled from clause pools with
  a seeded RNG, so almost every sentence is new and the component's per-call dedupe of
  repeated sentences does not flatter the numbers. Real reasonings repeat more.
* Five profiles cover what the component must handle: English with inline and display
  math, Chinese with math and English terms, English with French sentences (every
  sentence goes to the model), English with code fences and identifiers, and Chinese with
  English clauses inside sentences. "Words" are whitespace words for Latin text and
  1.5 Han characters per word for Chinese.
* It also times hostile megabytes (random garbage, distinct sentences), which must stay
  well under a second.

Accuracy (``--accuracy``) is measured on hand-written reasonings, not generated ones:
``tests/data/language/reasonings.txt`` holds monolingual reasonings in ten languages (R1
style, formulas, GSM8K lines, code, short ones below ``min_units``) and mixed ones whose
true share is known from their segments. Three figures, the targets of issue 9: the mean
score of monolingual reasonings for their own language (≥ 0.99), the mean for a wrong
target (≤ 0.05; close neighbours such as es→pt, ru→uk, ja→zh), and the mean absolute error
on mixed reasonings (≤ 0.05). ``tests/verifiers/test_language_eval.py`` asserts them.

Run from the repository root::

    python -m bench.bench_language                  # 200 reasonings per profile and size
    python -m bench.bench_language --n 50           # a quick run
    python -m bench.bench_language --json bench/results/language.json
    python -m bench.bench_language --accuracy       # the three accuracy figures only
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python bench/bench_language.py
    sys.path.insert(0, str(ROOT))

from verifiers import language
from verifiers.language import LanguageConfig, LanguageConsistency
from verifiers.types import Sample

__all__ = ["PROFILES", "Accuracy", "Case", "Result", "accuracy", "load_cases", "main", "make_reasoning"]

EN_OPENERS = [
    "First",
    "Now",
    "Next",
    "So",
    "Then",
    "Wait",
    "Hmm",
    "Actually",
    "Alternatively",
    "Therefore",
    "Let me check",
    "On the other hand",
    "In that case",
    "To be safe",
    "Looking back",
]
EN_CLAUSES = [
    "we need the derivative of the function at the critical point",
    "the sum of the first terms should match the closed form",
    "I should double check the sign of the second term",
    "this looks like a geometric series with a common ratio",
    "the triangle is right-angled so the Pythagorean theorem applies",
    "we can substitute the value back into the original equation",
    "the remainder must be smaller than the divisor",
    "both roots are real because the discriminant is positive",
    "the probability of drawing two red balls is the product of the two fractions",
    "the area of the circle grows with the square of the radius",
    "I made an arithmetic mistake in the previous step",
    "the function is increasing on the whole interval",
    "the number of ways to choose the committee is a binomial coefficient",
    "the answer has to be an integer since we are counting objects",
    "the limit exists because both one-sided limits agree",
    "we can factor the polynomial into two linear factors",
    "the average speed is the total distance divided by the total time",
    "the matrix is invertible because its determinant is not zero",
    "this case does not satisfy the constraint given in the problem",
    "the pattern repeats every six terms so we only need the remainder",
]
EN_CONNECTORS = ["and", "but", "because", "so", "which means", "although", "since", "while"]
EN_MATH = [
    "$x^2 - 5x + 6 = 0$",
    "$\\frac{a+b}{2}$",
    "$f'(x) = 3x^2 - 3$",
    "$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$",
    "x = 3",
    "f(2) = 7",
    "$\\sqrt{2}$",
    "a_n = 2a_{n-1} + 1",
]
EN_DISPLAY = ["\\[ \\int_0^1 x^2\\,dx = \\frac{1}{3} \\]", "$$ (a+b)^2 = a^2 + 2ab + b^2 $$"]
FR_CLAUSES = [
    "on doit calculer la dérivée de la fonction au point critique",
    "la somme des premiers termes doit correspondre à la formule fermée",
    "il faut vérifier le signe du deuxième terme",
    "cela ressemble à une série géométrique de raison constante",
    "on peut remplacer la valeur dans l'équation de départ",
    "le reste doit être plus petit que le diviseur",
    "les deux racines sont réelles car le discriminant est positif",
    "la fonction est croissante sur tout l'intervalle",
]
FR_OPENERS = ["Ensuite", "Donc", "Alors", "En fait", "Maintenant", "Par conséquent"]
ZH_CLAUSES = [
    "我们需要求函数在临界点处的导数",
    "前几项的和应该与通项公式一致",
    "我应该再检查一下第二项的符号",
    "这看起来像一个公比固定的等比数列",
    "这个三角形是直角三角形，所以可以用勾股定理",
    "我们可以把这个值代回原方程",
    "余数必须小于除数",
    "判别式为正，所以两个根都是实数",
    "抽到两个红球的概率是两个分数的乘积",
    "我在上一步算错了一个数",
    "函数在整个区间上单调递增",
    "选出委员会的方法数是一个组合数",
    "因为我们在数物体，所以答案必须是整数",
    "这个多项式可以分解成两个一次因式",
    "平均速度等于总路程除以总时间",
]
ZH_OPENERS = ["首先，", "接下来，", "所以", "等一下，", "其实", "另外，", "因此", "再检查一下，"]
ZH_TERMS = ["Python", "numpy", "GCD", "the derivative", "check the sign", "Vieta"]
CODE = [
    "```python\ndef total(n):\n    return sum(range(1, n + 1))\nprint(total(100))\n```",
    "```python\nimport math\nprint(math.comb(10, 3))\n```",
]


def _en_sentence(rng: random.Random) -> str:
    clause = rng.choice(EN_CLAUSES)
    if rng.random() < 0.5:
        clause += f" {rng.choice(EN_CONNECTORS)} {rng.choice(EN_CLAUSES)}"
    if rng.random() < 0.4:
        clause += f", giving {rng.choice(EN_MATH)}"
    return f"{rng.choice(EN_OPENERS)}, {clause}."


def _fr_sentence(rng: random.Random) -> str:
    return f"{rng.choice(FR_OPENERS)}, {rng.choice(FR_CLAUSES)} et {rng.choice(FR_CLAUSES)}."


def _zh_sentence(rng: random.Random, english_inside: float = 0.0) -> str:
    clause = rng.choice(ZH_CLAUSES)
    if rng.random() < english_inside:
        clause += f"，{rng.choice(ZH_TERMS)} 也是这样"
    if rng.random() < 0.3:
        clause += f"，得到 ${rng.randrange(2, 99)}x+{rng.randrange(1, 9)}$"
    return f"{rng.choice(ZH_OPENERS)}{clause}。"


def _words(text: str) -> float:
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return len(text.split()) + han / 1.5


@dataclass(frozen=True)
class Profile:
    name: str
    target: str
    sentence: Callable[[random.Random], str]


def _en_math(rng: random.Random) -> str:
    return rng.choice(EN_DISPLAY) if rng.random() < 0.05 else _en_sentence(rng)


def _en_fr(rng: random.Random) -> str:
    return _fr_sentence(rng) if rng.random() < 0.3 else _en_sentence(rng)


def _en_code(rng: random.Random) -> str:
    if rng.random() < 0.05:
        return rng.choice(CODE)
    s = _en_sentence(rng)
    return s[:-1] + ", see `np.linalg.solve` and my_helper()." if rng.random() < 0.2 else s


PROFILES = (
    Profile("en+math", "en", _en_math),
    Profile("zh+math+terms", "zh", lambda rng: _zh_sentence(rng, 0.15)),
    Profile("en+fr sentences", "en", _en_fr),
    Profile("en+code", "en", _en_code),
    Profile("zh+en inside sentences", "zh", lambda rng: _zh_sentence(rng, 0.6)),
)


def make_reasoning(profile: Profile, words: int, rng: random.Random) -> str:
    """A ``<think>`` block of about ``words`` words, one sentence per line or two."""
    parts: list[str] = []
    total = 0.0
    while total < words:
        sentence = profile.sentence(rng)
        parts.append(sentence)
        total += _words(sentence)
        parts.append("\n" if rng.random() < 0.5 else " ")
    return "<think>\n" + "".join(parts).strip() + "\n</think>\nThe answer is 42."


@dataclass
class Result:
    profile: str
    words: int
    n: int
    per_second: float
    mean_ms: float
    p50_ms: float
    p99_ms: float
    mean_score: float


def run(profile: Profile, words: int, n: int, seed: int) -> Result:
    rng = random.Random(f"{profile.name}/{words}/{seed}")
    samples = [
        Sample(completion=make_reasoning(profile, words, rng), language=profile.target) for _ in range(n)
    ]
    component, config = LanguageConsistency(), LanguageConfig()
    times: list[float] = []
    scores: list[float] = []
    start = time.perf_counter()
    for sample in samples:
        t0 = time.perf_counter()
        result = component.evaluate(sample, config)
        times.append(time.perf_counter() - t0)
        scores.append(result.score if result.score is not None else float("nan"))
    wall = time.perf_counter() - start
    times.sort()
    return Result(
        profile=profile.name,
        words=words,
        n=n,
        per_second=n / wall,
        mean_ms=1000 * wall / n,
        p50_ms=1000 * times[n // 2],
        p99_ms=1000 * times[min(n - 1, int(n * 0.99))],
        mean_score=statistics.fmean(scores),
    )


def hostile(seed: int) -> dict[str, float]:
    """Seconds to score one 1 MB reasoning of each hostile kind."""
    rng = random.Random(seed)
    alphabet = list("ab xyz$$\\[](){}`_=^1.\n。中あé ") + [chr(rng.randrange(32, 0x3000)) for _ in range(100)]
    garbage = "".join(rng.choice(alphabet) for _ in range(1_000_000))
    vocab = ["the", "we", "and", "of", "sum", "la", "le", "et", "der", "die", "und", "wir", "est", "une"]
    sentences = []
    size = 0
    while size < 1_000_000:
        s = " ".join(rng.choice(vocab) for _ in range(rng.randrange(3, 9))) + ". "
        sentences.append(s)
        size += len(s)
    out = {}
    for name, text in (("1 MB random garbage", garbage), ("1 MB distinct sentences", "".join(sentences))):
        t0 = time.perf_counter()
        LanguageConsistency().evaluate(Sample(completion=text, language="en"), LanguageConfig())
        out[name] = time.perf_counter() - t0
    return out


# ------------------------------------------------------------------------------ accuracy

CASES_PATH = ROOT / "tests" / "data" / "language" / "reasonings.txt"
# Wrong targets per language: a close neighbour first (the hard case), then a far one.
WRONG_TARGETS = {
    "en": ("de", "fr"),
    "zh": ("ja", "en"),
    "es": ("pt", "it"),
    "pt": ("es", "en"),
    "fr": ("it", "en"),
    "de": ("nl", "en"),
    "ru": ("uk", "en"),
    "ja": ("zh", "ko"),
    "ko": ("ja", "en"),
    "th": ("lo", "en"),
}


@dataclass(frozen=True)
class Case:
    """A hand-written reasoning: (language, text) segments and the target it is scored for."""

    id: str
    target: str
    segments: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        return "".join(t if i == 0 else t if t.startswith(" ") else "\n" + t for i, (_, t) in enumerate(self.segments))

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(lang for lang, _ in self.segments)

    def expected(self, config: LanguageConfig) -> float:
        """The true share of ``self.target``: each segment's units counted on its own."""
        units = [(lang, _units(text, config)) for lang, text in self.segments]
        total = sum(n for _, n in units)
        return sum(n for lang, n in units if lang == self.target) / total if total else 0.0


def _units(text: str, config: LanguageConfig) -> float:
    # The unit count does not depend on the labels: one candidate per script, no model call.
    return language.tally(text, (), None, config.cjk_char_weight).total


def load_cases(path: Path = CASES_PATH) -> list[Case]:
    """Parse the case file (format in its header)."""
    cases: list[Case] = []
    head: tuple[str, str] | None = None
    segments: list[list[str]] = []

    def close() -> None:
        if head is not None:
            segs = tuple((lang, "\n".join(lines).strip("\n")) for lang, *lines in segments)
            cases.append(Case(head[0], head[1], segs))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            close()
            case_id, target = line[4:].split()
            head, segments = (case_id, target), []
        elif head is None or line.startswith("# "):
            continue
        elif line.startswith("@@"):
            lang, _, rest = line[2:].partition(" ")
            segments.append([lang, " " + rest])
        elif line.startswith("@"):
            lang, _, rest = line[1:].partition(" ")
            segments.append([lang, rest])
        elif segments and (line or segments[-1][-1]):
            segments[-1].append(line)
    close()
    for case in cases:
        if not case.segments:
            raise ValueError(f"{path}: case {case.id} has no segment")
    return cases


@dataclass
class Accuracy:
    monolingual: float
    wrong_target: float
    mixed_mae: float
    n_monolingual: int
    n_wrong: int
    n_mixed: int
    worst: list[tuple[str, float, float]]  # (case/target, score, expected), largest errors first


def accuracy(cases: list[Case] | None = None, config: LanguageConfig | None = None) -> Accuracy:
    """The three figures: monolingual mean, wrong-target mean, mixed mean absolute error."""
    cases = load_cases() if cases is None else cases
    config = config or LanguageConfig()
    component = LanguageConsistency()

    def run_one(case: Case, target: str) -> float:
        sample = Sample(completion=f"<think>\n{case.text}\n</think>\nDone.", language=target)
        result = component.evaluate(sample, config)
        return float("nan") if result.score is None else result.score

    mono: list[float] = []
    wrong: list[float] = []
    errors: list[float] = []
    worst: list[tuple[str, float, float]] = []
    for case in cases:
        score = run_one(case, case.target)
        if len(case.languages) == 1:
            mono.append(score)
            worst.append((f"{case.id}/{case.target}", score, 1.0))
            for other in WRONG_TARGETS.get(case.target, ()):
                wrong_score = run_one(case, other)
                wrong.append(wrong_score)
                worst.append((f"{case.id}/{other}", wrong_score, 0.0))
        else:
            expected = case.expected(config)
            errors.append(abs(score - expected))
            worst.append((f"{case.id}/{case.target}", score, expected))
    worst.sort(key=lambda w: -abs(w[1] - w[2]))
    return Accuracy(
        monolingual=statistics.fmean(mono),
        wrong_target=statistics.fmean(wrong),
        mixed_mae=statistics.fmean(errors),
        n_monolingual=len(mono),
        n_wrong=len(wrong),
        n_mixed=len(errors),
        worst=[w for w in worst if abs(w[1] - w[2]) > 0.005][:15],
    )


def print_accuracy(acc: Accuracy) -> None:
    print(f"monolingual mean   {acc.monolingual:.3f}  (n={acc.n_monolingual}, target >= 0.99)")
    print(f"wrong-target mean  {acc.wrong_target:.3f}  (n={acc.n_wrong}, target <= 0.05)")
    print(f"mixed MAE          {acc.mixed_mae:.3f}  (n={acc.n_mixed}, target <= 0.05)")
    for name, got, want in acc.worst:
        print(f"  {name:32} score {got:.3f} expected {want:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=200, help="reasonings per profile and size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000], help="words per reasoning")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--accuracy", action="store_true", help="only the accuracy figures on the hand-written set")
    args = parser.parse_args(argv)
    if args.accuracy:
        print_accuracy(accuracy())
        return 0

    t0 = time.perf_counter()
    language.get_model()
    load_ms = 1000 * (time.perf_counter() - t0)
    warm = Sample(completion=make_reasoning(PROFILES[0], 100, random.Random(1)), language="en")
    LanguageConsistency().evaluate(warm, LanguageConfig())

    results = [run(p, words, args.n, args.seed) for words in args.sizes for p in PROFILES]
    print(f"model load (lid.176.ftz, once per process): {load_ms:.1f} ms")
    print(
        f"{'profile':24} {'words':>6} {'n':>5} {'per s':>8} {'mean ms':>8} {'p50 ms':>7} {'p99 ms':>7} {'score':>6}"
    )
    for r in results:
        print(
            f"{r.profile:24} {r.words:>6} {r.n:>5} {r.per_second:>8.0f} {r.mean_ms:>8.2f} {r.p50_ms:>7.2f}"
            f" {r.p99_ms:>7.2f} {r.mean_score:>6.3f}"
        )
    for words in args.sizes:
        group = [r for r in results if r.words == words]
        total_n = sum(r.n for r in group)
        total_s = sum(r.n / r.per_second for r in group)
        print(
            f"all profiles at {words} words: {total_n / total_s:.0f} reasonings/s ({1000 * total_s / total_n:.2f} ms each)"
        )
    slow = hostile(args.seed)
    for name, seconds in slow.items():
        print(f"{name}: {seconds * 1000:.0f} ms")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"model_load_ms": load_ms, "results": [asdict(r) for r in results], "hostile_s": slow}
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
