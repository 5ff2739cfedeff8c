"""Components: named, configurable rewards, and the registry that maps names to them.

Two shapes of component:

* :class:`ItemComponent` scores one sample at a time. ``evaluate`` must be cheap (regexes,
  string work) and returns either a final :class:`Score` or a :class:`Job` for heavy work.
* :class:`AsyncItemComponent` scores one sample by waiting on a backend (the sandbox).
* :class:`GroupComponent` scores a whole batch after every item component has run. It sees
  the batch (for group-relative rewards such as Kimi's length reward) and the scores of the
  components it ``requires`` (e.g. ``cosine`` reads ``accuracy``). A required component that
  the request did not ask for is computed anyway as a weight-0 metric.

Each component has a frozen (hashable) dataclass ``config_type``; a request's parameters
are validated against it before any work starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from verifiers.types import Job, Sample, Score

__all__ = [
    "ItemComponent",
    "GroupComponent",
    "AsyncItemComponent",
    "Component",
    "Registry",
    "NoConfig",
    "is_group",
    "is_async",
]

C = TypeVar("C", contravariant=True)


@dataclass(frozen=True)
class NoConfig:
    """Config of a component without parameters."""


class _Component(Protocol):
    """What every component has: a name, a frozen config dataclass, the scores it reads."""

    @property
    def name(self) -> str: ...

    @property
    def config_type(self) -> type: ...

    @property
    def requires(self) -> tuple[str, ...]: ...


@runtime_checkable
class ItemComponent(_Component, Protocol, Generic[C]):
    def evaluate(self, sample: Sample, config: C) -> Score | Job: ...


@runtime_checkable
class GroupComponent(_Component, Protocol, Generic[C]):
    def evaluate_batch(
        self, samples: Sequence[Sample], config: C, deps: Mapping[str, Sequence[Score]]
    ) -> list[Score]: ...


@runtime_checkable
class AsyncItemComponent(_Component, Protocol, Generic[C]):
    """A component that waits on an outside backend (the code sandbox) rather than the CPU.

    The caller runs many ``aevaluate`` calls concurrently under the request deadline; the
    component owns its backend (injected at construction) and must convert the backend's
    failures into ``Status.SANDBOX_ERROR`` scores, never into a wrong answer.
    """

    async def aevaluate(self, sample: Sample, config: C) -> Score: ...


Component = ItemComponent[Any] | GroupComponent[Any] | AsyncItemComponent[Any]


class Registry:
    """Name (and task) → component.

    A component with a class attribute ``task`` (e.g. ``"math"``) serves only items of that
    task; ``accuracy`` is registered once per task. A component without ``task`` serves all.
    """

    def __init__(self, components: Sequence[Component] = ()) -> None:
        self._by_key: dict[tuple[str, str | None], Component] = {}
        for c in components:
            self.add(c)

    def add(self, component: Component) -> None:
        key = (component.name, getattr(component, "task", None))
        if key in self._by_key:
            raise ValueError(f"component {key} registered twice")
        self._by_key[key] = component

    def resolve(self, name: str, task: str) -> Component | None:
        """The component that scores ``name`` for an item of ``task``, if any."""
        return self._by_key.get((name, task)) or self._by_key.get((name, None))

    def variants(self, name: str) -> list[Component]:
        """Every registered component called ``name`` (one per task)."""
        return [c for (n, _), c in self._by_key.items() if n == name]

    def tasks(self) -> set[str]:
        return {t for (_, t) in self._by_key if t is not None}

    def names(self) -> list[str]:
        return sorted({n for (n, _) in self._by_key})

    def __contains__(self, name: object) -> bool:
        return any(n == name for (n, _) in self._by_key)


def is_group(component: Component) -> bool:
    return hasattr(component, "evaluate_batch")


def is_async(component: Component) -> bool:
    return hasattr(component, "aevaluate")
