"""The copy-paste configuration in docs/trainers/*.md parses, imports, and names real things.

Snippets rot silently: this parses every fenced block by its language, imports what the
Python snippets import, checks every component spec they contain (Python dicts and
``components=`` in URLs) against the service's registry, and checks that verl's YAML keys
and slime's reply match what the code uses and answers.
"""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from reward_server.adapters import parse_components
from reward_server.routes.compat import SlimeResponse
from reward_server.schemas import ScoreRequest
from reward_server.spec import build_plan
from verifiers.components import default_registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "trainers"
PAGES = ["trl.md", "verl.md", "openrlhf.md", "slime.md"]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks(page: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in FENCE.finditer((DOCS / page).read_text(encoding="utf-8"))]


def all_blocks() -> list[tuple[str, int, str, str]]:
    return [(page, i, lang, code) for page in PAGES for i, (lang, code) in enumerate(blocks(page))]


def check_spec(spec: Any) -> None:
    """Validated as a request's spec is: the schema, then the registry (unknown names raise)."""
    components = ScoreRequest.model_validate({"items": [], "components": spec}).components
    build_plan(components, default_registry())


def spec_from_python_call(node: ast.Call) -> Any:
    if node.args and isinstance(node.args[0], ast.Dict):
        return ast.literal_eval(node.args[0])
    return None


def urls_in(text: str) -> list[str]:
    """URLs, a comma-separated list read as OpenRLHF does (several URLs)."""
    return re.findall(r"https?://[^\s\"'`,]+", text)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_a_configuration(page: str) -> None:
    assert any(lang in ("python", "sh", "yaml") for lang, _ in blocks(page)), page


@pytest.mark.parametrize(("page", "index", "lang", "code"), all_blocks())
def test_snippet_parses_and_names_real_things(page: str, index: int, lang: str, code: str) -> None:
    if lang == "python":
        tree = ast.parse(code)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reward_server"):
                module = importlib.import_module(node.module)
                for alias in node.names:
                    assert hasattr(module, alias.name), (page, node.module, alias.name)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ServiceRewards":
                check_spec(spec_from_python_call(node))
    elif lang == "sh":
        subprocess.run(["bash", "-n"], input=code, text=True, check=True)
    elif lang == "yaml":
        config = yaml.safe_load(code)
        fn = config["reward"]["custom_reward_function"]
        assert set(fn) == {"path", "name", "reward_kwargs"}
        check_spec(parse_components(fn["reward_kwargs"]["components"]))
    elif lang == "json":
        SlimeResponse.model_validate(json.loads(code))
    for url in urls_in(code):
        query = parse_qs(urlparse(url).query)
        if "components" in query:
            check_spec(parse_components(",".join(query["components"])))


def test_verl_function_names_exist() -> None:
    """The names the verl page tells verl to load."""
    from reward_server.adapters import verl

    text = (DOCS / "verl.md").read_text(encoding="utf-8")
    for name in re.findall(r"name[:=] ?(compute_\w+)", text):
        assert callable(getattr(verl, name)), name


def test_compat_paths_exist() -> None:
    from reward_server.routes.compat import router

    templates = [
        re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(route.path)) + "$")
        for route in router.routes  # type: ignore[attr-defined]
    ]
    for page in ["openrlhf.md", "slime.md"]:
        for url in urls_in((DOCS / page).read_text(encoding="utf-8")):
            path = urlparse(url).path
            if path.startswith("/compat"):
                assert any(t.match(path) for t in templates), (page, path)


def test_openrlhf_urls_have_no_comma() -> None:
    """OpenRLHF splits ``--reward.remote_url`` on commas: a documented URL must survive that."""
    text = (DOCS / "openrlhf.md").read_text(encoding="utf-8")
    for value in re.findall(r"--reward\.remote_url \"([^\"]+)\"", text):
        for url in value.split(","):
            assert url.startswith("http") or url.endswith(".py"), (value, url)
