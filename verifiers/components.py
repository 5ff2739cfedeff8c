"""The default set of components, for the service and for in-process use."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from verifiers.format import FormatReward
from verifiers.math import MathAccuracy
from verifiers.registry import Component, Registry

__all__ = ["default_registry"]

# Modules that export ``COMPONENTS``: a tuple of ready component instances.
_COMPONENT_MODULES: tuple[str, ...] = ("verifiers.language", "verifiers.shaping")


def _module_components() -> Iterable[Component]:
    for name in _COMPONENT_MODULES:
        module = importlib.import_module(name)
        yield from module.COMPONENTS


def default_registry(extra: Iterable[Component] = ()) -> Registry:
    """Math accuracy, format, language and shaping rewards, plus ``extra`` (e.g. code accuracy,
    which needs a sandbox backend the caller owns)."""
    return Registry([MathAccuracy(), FormatReward(), *_module_components(), *extra])
