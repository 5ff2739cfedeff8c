"""A deterministic, labelled, GRPO-like batch of math completions.

Why this exists: the reward server is judged on the workload a GRPO trainer sends it —
16 completions per prompt, long reasoning, a short final answer that mostly repeats
within a group — and on whether its verdicts are right. Public data sets give the gold
answer but not labelled completions, so this generator *writes* the completions and knows,
by construction, whether each one is correct, wrong or missing its final answer.

What the batch contains (all from one seed, so two runs compare the same items):

* answer kinds (integers, fractions, radicals, intervals, matrices, ...). Each kind lists
  equivalent spellings of the gold (``0.5`` / ``\\frac12``, ``x=5`` / ``5``, ``1,234`` /
  ``1234``) and plausible near misses (off by one, sign, open vs closed endpoint,
  transposed matrix) that are checked to differ from the gold.
* two mixes: ``easy`` (20 kinds in turn) and ``symbolic`` (MATH/AIME/Olympiad-like, with
  13 more kinds that need algebra: nested radicals, pi and e, lines and planes, ...).
* the reference stored the way data sets store it: bare LaTeX, ``$...$``, ``\\boxed{}``,
  GSM8K's ``#### 18``, or a JSON number.
* 200–800 words of templated reasoning with inline ``$...$`` arithmetic whose values are
  never the gold's, then the final answer in one of five forms (``<answer>`` tags with or
  without ``\\boxed``, ``\\boxed{}``, "The final answer is", "Answer:").
* ~8% truncated completions with no final answer; about a third of them mention the gold
  in the last ``$...$`` before the cut, the trap that makes unanchored extractors accept them.

The code lives in the :mod:`bench.grpo` package; this module is its stable entry point.
"""

from __future__ import annotations

try:
    from bench.grpo import (
        ALGEBRA_KINDS,
        FORMS,
        KINDS,
        LABELS,
        MIXES,
        SYMBOLIC_WEIGHTS,
        Problem,
        make_batch,
        make_problem,
    )
except ImportError:  # run as a script: python bench/grpo_data.py
    from grpo import (  # type: ignore[no-redef]
        ALGEBRA_KINDS,
        FORMS,
        KINDS,
        LABELS,
        MIXES,
        SYMBOLIC_WEIGHTS,
        Problem,
        make_batch,
        make_problem,
    )

__all__ = [
    "ALGEBRA_KINDS",
    "FORMS",
    "KINDS",
    "LABELS",
    "MIXES",
    "SYMBOLIC_WEIGHTS",
    "Problem",
    "make_batch",
    "make_problem",
]


if __name__ == "__main__":  # a quick look at the data: python bench/grpo_data.py [easy|symbolic]
    import collections
    import json
    import sys

    batch = make_batch(mix=sys.argv[1] if len(sys.argv) > 1 else "easy")
    print(json.dumps(collections.Counter(str(it["label"]) for it in batch)))
    print(json.dumps(collections.Counter(str(it["form"]) for it in batch)))
    print(json.dumps(collections.Counter(str(it["kind"]) for it in batch)))
    print(batch[3]["completion"])
