"""Code accuracy: run the completion's code against the dataset's tests, in a sandbox.

Public API: :class:`CodeAccuracy` (the ``code_accuracy`` component, constructed with a
backend), :class:`CodeConfig`, and :func:`make_backend` for the backends in
:mod:`verifiers.code.sandbox`. See ``docs/code.md`` for the threat model.
"""

from verifiers.code.component import CodeAccuracy, CodeConfig, CodeTaskAccuracy
from verifiers.code.sandbox import (
    FakeSandbox,
    LocalSandbox,
    SandboxBackend,
    SandboxError,
    SandboxFusionBackend,
    make_backend,
)

__all__ = [
    "CodeAccuracy",
    "CodeTaskAccuracy",
    "CodeConfig",
    "make_backend",
    "SandboxBackend",
    "SandboxError",
    "LocalSandbox",
    "SandboxFusionBackend",
    "FakeSandbox",
]
