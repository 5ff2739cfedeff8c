"""Code extraction: the last fenced block of the requested language, in the answer only."""

from __future__ import annotations

import pytest

from verifiers.code.extract import extract_code, fenced_blocks

PY = "```python\nprint(1)\n```"
CPP = "```cpp\nint main(){}\n```"


@pytest.mark.parametrize(
    ("completion", "language", "expected"),
    [
        (PY, None, ("python", "print(1)")),
        (f"{PY}\ntext\n```python\nprint(2)\n```", None, ("python", "print(2)")),
        (f"{PY}\n{CPP}", None, ("cpp", "int main(){}")),
        (f"{PY}\n{CPP}", "python", ("python", "print(1)")),
        (f"{CPP}", "python", None),
        ("```py\nx=1\n```", None, ("python", "x=1")),
        ("```Python3\nx=1\n```", None, ("python", "x=1")),
        ("```js\nconsole.log(1)\n```", None, ("javascript", "console.log(1)")),
        ("```c++\nint x;\n```", None, ("cpp", "int x;")),
        ("```\nprint(3)\n```", None, ("python", "print(3)")),
        ("```\nint x;\n```", "cpp", ("cpp", "int x;")),
        ("~~~python\nprint(4)\n~~~", None, ("python", "print(4)")),
        ("````python\n```\nnot a close\n```\nprint(5)\n````", None, ("python", "```\nnot a close\n```\nprint(5)")),
        # Code drafted in the reasoning is not the answer.
        (f"<think>{PY}</think>no code here", None, None),
        (f"<think>draft\n```python\nprint(0)\n```\n</think>\n{PY}", None, ("python", "print(1)")),
        # An unclosed think block has no answer; an unclosed fence is a truncated program.
        (f"<think>{PY}", None, None),
        ("```python\nprint(1)\n", None, None),
        ("no code at all", None, None),
        ("```python\n\n```", None, None),
        ("```rust\nfn main(){}\n```", None, None),
        # Fences glued to the answer tags.
        ("<think>r</think><answer>```python\nprint(6)\n```</answer>", None, ("python", "print(6)")),
        ("<think>r</think>\n<answer>\n```python\nprint(7)\n```\n</answer>", None, ("python", "print(7)")),
    ],
)
def test_extract(completion: str, language: str | None, expected: tuple[str, str] | None) -> None:
    assert extract_code(completion, language) == expected


def test_prompt_opened_think() -> None:
    assert extract_code(f"reasoning {PY}", None, prompt_opens_think=True) is None
    assert extract_code(f"reasoning</think>{PY}", None, prompt_opens_think=True) == ("python", "print(1)")


def test_indented_fence_and_long_input() -> None:
    assert [b.tag for b in fenced_blocks("   ```python\nx\n   ```")] == ["python"]
    big = "x\n" * 200_000 + PY
    assert extract_code(big, None) == ("python", "print(1)")
