"""Turning a request's component spec into a validated plan, before any work is done.

A spec maps a component name to a weight or to ``{"weight": w, ...parameters}``. Every
parameter is checked against the component's frozen config dataclass; a parameter of
``accuracy`` may belong to either of its task variants (math, code). Components that a
requested one ``requires`` are added with weight 0 (computed, reported, not rewarded).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from reward_server.errors import RequestError
from reward_server.schemas import ComponentParams
from verifiers.registry import Component, Registry, is_group

__all__ = ["Planned", "DEFAULT_SPEC", "build_plan"]

DEFAULT_SPEC: Mapping[str, float] = {"accuracy": 1.0, "format": 1.0}


@dataclass(frozen=True)
class Planned:
    """One component of a request: its weight and a config per task variant."""

    name: str
    weight: float
    configs: Mapping[str | None, Any]
    group: bool
    requested: bool = True

    def config_for(self, component: Component) -> Any:
        return self.configs[getattr(component, "task", None)]


def _config(component: Component, params: Mapping[str, Any], loc: list[str | int]) -> Any:
    config_type = component.config_type
    try:
        return TypeAdapter(config_type).validate_python(dict(params))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = [*loc, *err.get("loc", ())]
        raise RequestError(f"{'.'.join(map(str, where))}: {err['msg']}", where) from None


def _plan_one(
    name: str, weight: float, params: Mapping[str, Any], registry: Registry, requested: bool
) -> Planned:
    variants = registry.variants(name)
    if not variants:
        known = ", ".join(registry.names())
        raise RequestError(f"unknown component {name!r}; known components: {known}", ["components", name])
    fields = {v: {f.name for f in dataclasses.fields(v.config_type)} for v in variants}
    for param in params:
        if not any(param in f for f in fields.values()):
            allowed = sorted(set().union(*fields.values()) | {"weight"})
            raise RequestError(
                f"component {name!r} has no parameter {param!r}; parameters: {', '.join(allowed)}",
                ["components", name, param],
            )
    configs = {
        getattr(v, "task", None): _config(
            v, {k: val for k, val in params.items() if k in fields[v]}, ["components", name]
        )
        for v in variants
    }
    return Planned(name, weight, configs, group=is_group(variants[0]), requested=requested)


def build_plan(spec: Mapping[str, float | ComponentParams] | None, registry: Registry) -> list[Planned]:
    """Validated components in request order, then their weight-0 dependencies."""
    entries = DEFAULT_SPEC if spec is None else spec
    plan: list[Planned] = []
    for name, entry in entries.items():
        if isinstance(entry, ComponentParams):
            params = dict(entry.model_extra or {})
            weight = entry.weight
        else:
            params, weight = {}, float(entry)
        plan.append(_plan_one(name, weight, params, registry, requested=True))
    present = {p.name for p in plan}
    i = 0
    while i < len(plan):
        for variant in registry.variants(plan[i].name):
            for dep in variant.requires:
                if dep not in present:
                    plan.append(_plan_one(dep, 0.0, {}, registry, requested=False))
                    present.add(dep)
        i += 1
    return plan
