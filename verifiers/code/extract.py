"""Finding the code in a completion: the last fenced block of the requested language.

Only the answer part counts (after ``</think>``), so code drafted while reasoning is never
run. Line-based scan, linear in the completion length. A fence left open at the end (a
truncated completion) yields no block: half a program is not the model's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifiers.code.languages import by_tag
from verifiers.text import split_parts

__all__ = ["CodeBlock", "fenced_blocks", "extract_code"]


@dataclass(frozen=True, slots=True)
class CodeBlock:
    tag: str
    code: str


def _fence(line: str) -> tuple[str, str] | None:
    """``(fence, info)`` when ``line`` opens or closes a fence (``` or ~~~, indent <= 3)."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or len(stripped) < 3:
        return None
    ch = stripped[0]
    if ch not in "`~":
        return None
    n = len(stripped) - len(stripped.lstrip(ch))
    if n < 3:
        return None
    info = stripped[n:].strip()
    if ch == "`" and "`" in info:
        return None
    return stripped[:n], info


def fenced_blocks(text: str) -> list[CodeBlock]:
    blocks: list[CodeBlock] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        opened = _fence(lines[i])
        if opened is None:
            i += 1
            continue
        fence, info = opened
        body: list[str] = []
        j = i + 1
        closed = False
        while j < len(lines):
            close = _fence(lines[j])
            if close and close[1] == "" and close[0][0] == fence[0] and len(close[0]) >= len(fence):
                closed = True
                break
            body.append(lines[j])
            j += 1
        if not closed:
            break
        tag = info.split()[0].lower() if info else ""
        blocks.append(CodeBlock(tag=tag, code="\n".join(body)))
        i = j + 1
    return blocks


def extract_code(
    completion: str, language: str | None, prompt_opens_think: bool = False
) -> tuple[str, str] | None:
    """``(language, code)`` of the answer's last block in ``language`` (a canonical name).

    With ``language`` None, the last block tagged with a language we run decides it.
    Untagged blocks count as the requested language (or Python) when no tagged block does.
    """
    answer = split_parts(completion, prompt_opens_think).answer
    # Answer tags are structure, not code: "<answer>```python" opens a fence too.
    answer = answer.replace("<answer>", "\n").replace("</answer>", "\n")
    if "```" not in answer and "~~~" not in answer:
        return None
    blocks = fenced_blocks(answer)
    for block in reversed(blocks):
        lang = by_tag(block.tag)
        if lang is not None and (language is None or lang.name == language) and block.code.strip():
            return lang.name, block.code
    for block in reversed(blocks):
        if block.tag == "" and block.code.strip():
            return language or "python", block.code
    return None
