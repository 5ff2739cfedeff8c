"""The languages the code verifier runs, in one table.

One row per language holds everything that differs between them (fence tags, file name,
compile and run commands, Sandbox Fusion's name), so adding a language is adding a row.
Commands use placeholders that the zygote resolves: ``{build}`` is the per-request build
directory, ``{which:NAME}`` the absolute path of a tool on the sandbox ``PATH``, ``{mem}``
the memory limit in MB.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Language", "LANGUAGES", "by_tag", "canonical"]


@dataclass(frozen=True, slots=True)
class Language:
    name: str
    tags: tuple[str, ...]
    filename: str
    # "python" runs inside the forked zygote interpreter; "exec" execve()s run_argv.
    kind: str
    compile_argv: tuple[str, ...] = ()
    run_argv: tuple[str, ...] = ()
    fusion_name: str = ""
    # Extra address space over the memory limit (V8 reserves gigabytes it never touches).
    as_extra_mb: int = 0
    compile_memory_mb: int = 2048
    call_based: bool = False
    # Cap on RLIMIT_STACK (it is min(memory_mb, this)). glibc gives every thread a stack of
    # RLIMIT_STACK, so a multi-threaded runtime (node: about ten threads) runs out of address
    # space with 256 MB; single-threaded C++ wants deep recursion.
    stack_cap_mb: int = 256


LANGUAGES: dict[str, Language] = {
    lang.name: lang
    for lang in (
        Language(
            name="python",
            tags=("python", "py", "python3", "py3"),
            filename="solution.py",
            kind="python",
            fusion_name="python",
            call_based=True,
        ),
        Language(
            name="cpp",
            tags=("cpp", "c++", "cxx", "cc", "c++17", "c++20"),
            filename="solution.cpp",
            kind="exec",
            compile_argv=(
                "{which:g++}", "-O2", "-std=gnu++17", "-pipe", "-o", "prog", "solution.cpp",
            ),
            run_argv=("{build}/prog",),
            fusion_name="cpp",
        ),
        Language(
            name="javascript",
            tags=("javascript", "js", "node", "nodejs"),
            filename="solution.js",
            kind="exec",
            run_argv=("{which:node}", "--max-old-space-size={mem}", "--stack-size=65500", "{build}/solution.js"),
            stack_cap_mb=80,  # --stack-size=65500 (KB) needs 64 MB on the main thread
            fusion_name="nodejs",
            as_extra_mb=1536,
        ),
    )
}

_BY_TAG = {tag: lang for lang in LANGUAGES.values() for tag in lang.tags}


def by_tag(tag: str | None) -> Language | None:
    """The language a fence info string or a ``reference.language`` names, if we run it."""
    if not tag:
        return None
    return _BY_TAG.get(tag.strip().lower())


def canonical(tag: str | None) -> str | None:
    lang = by_tag(tag)
    return lang.name if lang else None
