"""The scoring contract shared by every verifier.

A verifier never raises for bad *input*: it returns a :class:`Score` whose ``status`` says
why the completion earned what it earned. ``score=None`` means "could not be scored"
(broken reference, sandbox down, internal error); a completion that is simply wrong or
has no answer gets a real ``0.0`` with a status such as ``no_answer``.

CPU-heavy work is not done by the verifier itself: it returns a :class:`Job` (a picklable
module-level function plus arguments) that the caller runs under a hard deadline in a
killable worker, memoised by ``Job.key``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Status", "Score", "Sample", "Job"]


class Status(str, enum.Enum):
    """Why a component scored what it scored.

    "Your answer failed" statuses (``no_answer``, ``wrong_answer``, ``no_code``, ...) come
    with a real score; "we failed" statuses (``timeout`` aside) come with ``score=None``.
    """

    OK = "ok"
    NO_ANSWER = "no_answer"
    NO_CODE = "no_code"
    TIMEOUT = "timeout"
    ERROR = "error"
    INVALID_REFERENCE = "invalid_reference"
    NOT_APPLICABLE = "not_applicable"
    SANDBOX_ERROR = "sandbox_error"
    TOO_LARGE = "too_large"


@dataclass(frozen=True, slots=True)
class Score:
    score: float | None
    status: Status = Status.OK
    reason: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Sample:
    """One completion to score, already normalised by the HTTP layer.

    ``completion`` is text (the last assistant message for chat input). ``prompt_opens_think``
    is true when the prompt ends inside an opened ``<think>`` block (the chat template opened
    it), so the completion starts in the reasoning.
    """

    completion: str
    prompt: str | None = None
    reference: Any = None
    task: str = "math"
    language: str | None = None
    group: str | None = None
    completion_tokens: int | None = None
    prompt_opens_think: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    """CPU-heavy work to run in a killable worker: ``fn(*args) -> Score``.

    ``fn`` must be a module-level function (it is pickled). Jobs with equal, non-None
    ``key`` have the same verdict and are run once; ``details`` are merged into the result.
    ``lane`` is ``"main"`` or ``"quarantine"`` (input that looks expensive runs apart, so it
    cannot queue ordinary work behind it).
    """

    fn: Callable[..., Score]
    args: tuple[Any, ...]
    key: Hashable | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    lane: str = "main"

    def finish(self, outcome: Score) -> Score:
        """The job's outcome with the details known before it ran."""
        return replace(outcome, details={**self.details, **outcome.details})

    def run_here(self) -> Score:
        """Run in this process with no deadline: for tests and trusted input only."""
        return self.finish(self.fn(*self.args))

