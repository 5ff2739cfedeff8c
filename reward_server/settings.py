"""Service settings. Every field can come from ``REWARD_SERVER_<FIELD>`` (e.g. ``REWARD_SERVER_PORT``).

Settings are built by :func:`reward_server.app.create_app` (or the CLI), never at import time.
"""

from __future__ import annotations

import json
import os
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


def _default_workers() -> int:
    return max(2, os.cpu_count() or 2)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REWARD_SERVER_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    log_level: str = "info"

    workers: int = Field(default_factory=_default_workers, ge=1, description="math worker processes")
    quarantine_workers: int = Field(
        1, ge=0, description="workers for answers that look expensive (0: they share the main workers)"
    )
    quarantine_timeout: float = Field(2.0, gt=0, description="deadline of a suspect answer's check (s)")
    worker_memory_mb: int = Field(2048, ge=128, description="address-space cap of each worker")
    start_method: str = Field("forkserver", pattern="^(fork|forkserver|spawn)$")
    item_timeout: float = Field(5.0, gt=0, description="hard deadline of one item's verification (s)")
    request_timeout: float = Field(120.0, gt=0, description="deadline of a whole /v1/score call (s)")
    timeout_score: float | None = Field(
        0.0, description="score of a component that hit its deadline or a resource limit (null allowed)"
    )
    memo_size: int = Field(200_000, ge=0, description="verdicts remembered across requests")

    sandbox: str = Field(
        "local", pattern="^(local|sandbox_fusion|none)$", description="code execution backend (none: no code task)"
    )
    sandbox_url: str | None = Field(None, description="Sandbox Fusion base URL (sandbox=sandbox_fusion)")
    sandbox_slots: int = Field(default_factory=_default_workers, ge=1, description="code runs at once")
    sandbox_base_uid: int = Field(
        61000, ge=1000, description="first uid of the sandbox slots; instances on one host need disjoint ranges"
    )

    compat_components: str | None = Field(
        None, description="components of /compat/* when the URL has none (name:weight,...)"
    )
    compat_specs: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "named specs for /compat/<trainer>/<name>, as JSON {name: spec}; a spec is an object"
            " like /v1/score's components or a 'name:weight,...' string (built in: r1)"
        ),
    )

    max_items: int = Field(20_000, ge=1, description="items per request")
    max_completion_chars: int = Field(1_000_000, ge=1, description="longer completions get status too_large")
    max_body_bytes: int = Field(64 * 1024 * 1024, ge=1024, description="request body limit (413 above)")
    max_concurrent_requests: int = Field(8, ge=1, description="scoring requests worked on at once")
    max_queued_requests: int = Field(
        64, ge=0, description="scoring requests waiting for a slot; more get 429 with Retry-After"
    )
    api_keys: str = Field("", description="comma-separated bearer keys; empty: no authentication")
    log_completions: bool = Field(False, description="include completion text in debug logs")
    log_format: str = Field("json", pattern="^(json|text)$")
    shutdown_grace: float = Field(30.0, ge=0, description="seconds to finish in-flight requests on SIGTERM")

    inline_batch_threshold: int = Field(
        64, ge=0, description="batches larger than this run their cheap stage off the event loop"
    )

    @field_validator("compat_specs", mode="before")
    @classmethod
    def _specs_from_text(cls, v: object) -> object:
        """``--compat-specs '{"r1": ...}'`` arrives as text (the environment is decoded already)."""
        if isinstance(v, str):
            return json.loads(v) if v.strip() else {}
        return v

    @field_validator("timeout_score", mode="before")
    @classmethod
    def _null_from_text(cls, v: object) -> object:
        """``REWARD_SERVER_TIMEOUT_SCORE=null`` (an environment variable can't be None)."""
        if isinstance(v, str) and v.strip().lower() in {"", "null", "none"}:
            return None
        return v

    def api_key_list(self) -> list[str]:
        return [k.strip() for k in self.api_keys.split(",") if k.strip()]
