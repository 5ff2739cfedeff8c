"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "ChatMessage",
    "Item",
    "ComponentParams",
    "ScoreRequest",
    "ComponentResult",
    "ItemResult",
    "ScoreResponse",
    "ErrorResponse",
]

Id = str | int


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        """The message's text; OpenAI-style content parts are joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "".join(str(part.get("text", "")) for part in self.content if isinstance(part, dict))


class Item(BaseModel):
    """One completion to score. Unknown fields (dataset columns) are kept and passed on."""

    model_config = ConfigDict(extra="allow")

    completion: str | list[ChatMessage]
    prompt: str | list[ChatMessage] | None = None
    reference: str | int | float | dict[str, Any] | list[Any] | None = None
    task: str = "math"
    id: Id | None = None
    language: str | None = Field(None, max_length=16)
    group: Id | None = None
    completion_tokens: int | None = Field(None, ge=0)
    completion_ids: list[int] | None = None

    @field_validator("completion")
    @classmethod
    def _has_assistant_message(cls, v: str | list[ChatMessage]) -> str | list[ChatMessage]:
        if isinstance(v, list) and not any(m.role == "assistant" for m in v):
            raise ValueError("a completion given as messages needs an assistant message")
        return v

    def completion_text(self) -> str:
        if isinstance(self.completion, str):
            return self.completion
        last = [m for m in self.completion if m.role == "assistant"][-1]
        return last.text()

    def prompt_text(self) -> str | None:
        if self.prompt is None or isinstance(self.prompt, str):
            return self.prompt
        return "\n".join(m.text() for m in self.prompt)


class ComponentParams(BaseModel):
    """``{"weight": w, ...parameters}``: the parameters are checked against the component."""

    model_config = ConfigDict(extra="allow")

    weight: float = Field(1.0, allow_inf_nan=False)


class ScoreRequest(BaseModel):
    items: list[Item]
    components: dict[str, float | ComponentParams] | None = None

    @field_validator("components")
    @classmethod
    def _finite_weights(
        cls, v: dict[str, float | ComponentParams] | None
    ) -> dict[str, float | ComponentParams] | None:
        for name, w in (v or {}).items():
            weight = w if isinstance(w, float | int) else w.weight
            if weight != weight or weight in (float("inf"), float("-inf")):
                raise ValueError(f"component {name!r}: the weight must be a finite number")
        return v


class ComponentResult(BaseModel):
    score: float | None
    status: str
    reason: str = ""
    weight: float
    details: dict[str, Any] = {}


class ItemResult(BaseModel):
    id: Id | None = None
    reward: float
    components: dict[str, float | None]
    status: str
    details: dict[str, ComponentResult]


class ScoreResponse(BaseModel):
    results: list[ItemResult]


class ErrorResponse(BaseModel):
    """The one shape of every error the service returns."""

    error: str
    message: str
    details: list[dict[str, Any]] = []
