"""The symbolic mix: deterministic, algebra-heavy, and its labels true.

Labels of the algebra kinds are checked numerically and independently of the generator's
own value keys: both sides are parsed with latex2sympy (the LaTeX parser, not math-verify's
comparison) and evaluated at fixed points; lines and planes must be proportional, root sets
equal as sets of numbers, matrices equal entry by entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

import pytest

from bench.grpo_data import ALGEBRA_KINDS, KINDS, SYMBOLIC_WEIGHTS, make_batch

POINT = {"x": 0.37, "y": -1.91, "z": 2.63, "a": 0.73}
OTHER = {"x": -2.2, "y": 0.61, "z": -0.45, "a": 1.9}


@pytest.fixture(scope="module")
def batch() -> list[dict[str, Any]]:
    return make_batch(n_prompts=100, per_prompt=8, seed=3, mix="symbolic")


def test_easy_mix_unchanged() -> None:
    """The default mix is the one earlier figures were measured on: pinned to the bytes the
    single-module generator wrote before the split."""
    digest = hashlib.sha256(json.dumps(make_batch(3, 16, 0), sort_keys=True).encode()).hexdigest()
    assert make_batch(3, 16, 0) == make_batch(3, 16, 0, mix="easy")
    assert digest == "ed7edacc35ee0af325c3188089ffe509038d68c54b2e5ac28b86a44b26401cfb"


def test_deterministic_and_groups_independent_of_size() -> None:
    assert make_batch(4, 16, 1, mix="symbolic") == make_batch(4, 16, 1, mix="symbolic")
    assert make_batch(6, 16, 0, mix="symbolic")[:48] == make_batch(3, 16, 0, mix="symbolic")
    assert make_batch(4, 16, 1, mix="symbolic") != make_batch(4, 16, 1)


def test_unknown_mix_is_refused() -> None:
    with pytest.raises(ValueError, match="mix"):
        make_batch(1, 1, 0, mix="hard")


def test_mix_is_algebra_heavy(batch: list[dict[str, Any]]) -> None:
    assert set(SYMBOLIC_WEIGHTS) <= set(KINDS) | set(ALGEBRA_KINDS)
    kinds = Counter(it["kind"] for it in batch)
    algebra = sum(n for k, n in kinds.items() if k in ALGEBRA_KINDS)
    assert algebra / len(batch) >= 0.3
    assert kinds.most_common(1)[0][0] == "integer"  # MATH/AIME: integers still lead
    assert len(kinds) >= 25


# --------------------------------------------------------------------------- an independent evaluator


def _clean(s: str) -> str:
    s = str(s).strip().removeprefix("####").strip().strip("$")
    if s.startswith("\\boxed{") and s.endswith("}"):
        s = s[len("\\boxed{") : -1]
    s = s.replace("\\text{ rad}", "").replace("\\mathrm{e}", "e").replace("\\dfrac", "\\frac")
    return re.sub(r"^x\s*=\s*", "", s.strip())


def _num(expr: Any, point: dict[str, float]) -> complex:
    import sympy

    subs = {s: point.get(s.name, 0.5) for s in expr.free_symbols}
    return complex(sympy.N(expr.subs(subs), 30))


def _parse(s: str) -> Any:
    from latex2sympy2_extended import latex2sympy

    return latex2sympy(s)


def _scalar_equal(a: str, b: str) -> bool:
    ea, eb = _parse(_clean(a)), _parse(_clean(b))
    return all(abs(_num(ea, p) - _num(eb, p)) < 1e-9 for p in (POINT, OTHER))


def _relation_equal(a: str, b: str) -> bool:
    """Two equations denote the same line/plane iff lhs - rhs are proportional (non-zero)."""

    def side(s: str) -> Any:
        lhs, rhs = _clean(s).split("=")
        return _parse(lhs) - _parse(rhs)

    ea, eb = side(a), side(b)
    points = (POINT, OTHER, {"x": 1.3, "y": 0.2, "z": -0.7})
    ratios = [_num(ea, p) / _num(eb, p) for p in points]
    return all(abs(r - ratios[0]) < 1e-9 for r in ratios)


def _roots(s: str) -> frozenset[float]:
    t = _clean(s).replace("\\{", "").replace("\\}", "")
    parts = [t.replace("\\pm", "+"), t.replace("\\pm", "-")] if "\\pm" in t else t.split(",")
    return frozenset(round(_num(_parse(p.strip()), POINT).real, 9) for p in parts)


def _matrix_equal(a: str, b: str) -> bool:
    ma, mb = _parse(_clean(a)), _parse(_clean(b))
    if ma.shape != mb.shape:
        return False
    return all(abs(_num(x, POINT) - _num(y, POINT)) < 1e-9 for x, y in zip(ma, mb, strict=True))


SCALAR = {"nested_radical", "radical_fraction", "pi_e", "trig", "radians", "log", "poly_forms", "rational_expr"}
CHECKS = {
    **{k: _scalar_equal for k in SCALAR},
    "line": _relation_equal,
    "plane": _relation_equal,
    "roots_radical": lambda a, b: _roots(a) == _roots(b),
    "matrix_symbolic": _matrix_equal,
}


def test_algebra_labels_are_true(batch: list[dict[str, Any]]) -> None:
    checked = Counter()
    seen: set[tuple[str, str]] = set()
    for it in batch:
        if it["kind"] not in CHECKS or it["label"] == "missing":
            continue
        pair = (str(it["reference"]), str(it["answer"]))
        if pair in seen:
            continue
        seen.add(pair)
        same = CHECKS[it["kind"]](str(it["reference"]), str(it["answer"]))
        assert same == (it["label"] == "correct"), (it["id"], it["kind"], it["answer"], it["reference"])
        checked[it["kind"]] += 1
    assert set(checked) == set(CHECKS), checked


@pytest.mark.parametrize(
    "a, b, check, expected",
    [
        ("\\sqrt{5+2\\sqrt{6}}", "\\sqrt{2}+\\sqrt{3}", _scalar_equal, True),
        ("\\log_{2} 3", "\\frac{\\ln 3}{\\ln 2}", _scalar_equal, True),
        ("y = 2x + 5", "y + 3 = 2(x + 4)", _relation_equal, True),
        ("y = 2x + 5", "y = 2x - 5", _relation_equal, False),
        ("3 \\pm \\sqrt{11}", "3-\\sqrt{11}, 3+\\sqrt{11}", lambda a, b: _roots(a) == _roots(b), True),
    ],
)
def test_evaluator_of_this_test(a: str, b: str, check: Any, expected: bool) -> None:
    assert check(a, b) is expected
