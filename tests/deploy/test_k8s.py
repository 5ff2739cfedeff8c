"""Kubernetes manifests: schema-valid offline for 1.31 (kubernetes-validate --strict) and
the properties the service relies on (probes, posture, sizing)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.deploy._util import REPO, tool
from tests.deploy.test_dockerfile import SANDBOX_CAPS

K8S = REPO / "deploy" / "k8s"
MANIFESTS = sorted(K8S.glob("*.yaml"))


def load(name: str) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML not installed")
    doc: dict[str, Any] = yaml.safe_load((K8S / name).read_text())
    return doc


def test_every_kind_is_there() -> None:
    assert {p.name for p in MANIFESTS} >= {"deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_offline(path: Path) -> None:
    kv = tool("kubernetes-validate")
    if kv is None:
        pytest.skip("kubernetes-validate not installed (pip install kubernetes-validate)")
    proc = subprocess.run(
        [kv, "--strict", "-k", "1.31.0", str(path)], check=False, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def container() -> dict[str, Any]:
    spec = load("deployment.yaml")["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    return c  # type: ignore[no-any-return]


def test_probes_readiness_on_ready_liveness_on_health() -> None:
    c = container()
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    assert c["startupProbe"]["httpGet"]["path"] == "/health"


def test_security_context_drops_all_but_the_sandbox_capabilities() -> None:
    sc = container()["securityContext"]
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) == SANDBOX_CAPS
    assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
    assert sc["privileged"] is False


def test_workers_follow_the_cpu_limit_and_grace_covers_the_drain() -> None:
    c = container()
    env = {e["name"]: e for e in c["env"]}
    for name in ("REWARD_SERVER_WORKERS", "REWARD_SERVER_SANDBOX_SLOTS"):
        assert env[name]["valueFrom"]["resourceFieldRef"]["resource"] == "limits.cpu"
    grace = float(env["REWARD_SERVER_SHUTDOWN_GRACE"]["value"])
    pod = load("deployment.yaml")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > grace + 5  # + the preStop sleep
    assert c["resources"]["requests"] == c["resources"]["limits"]  # Guaranteed QoS


def test_selectors_agree() -> None:
    labels = load("deployment.yaml")["spec"]["template"]["metadata"]["labels"]
    for name in ("service.yaml", "pdb.yaml"):
        doc = load(name)
        sel = doc["spec"]["selector"]
        sel = sel.get("matchLabels", sel)
        assert sel.items() <= labels.items(), name
    assert load("hpa.yaml")["spec"]["scaleTargetRef"]["name"] == load("deployment.yaml")["metadata"]["name"]
