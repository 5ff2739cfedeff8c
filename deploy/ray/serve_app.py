"""reward-server as a Ray Serve application: the same FastAPI app (``create_app``) per replica.

Why: verl and OpenRLHF already run on a Ray cluster; Serve puts the reward service on the
same cluster, scheduled by Ray next to the rollout workers, with no extra infrastructure.

Sizing: one replica is one reward-server process with its own math worker pool
(``workers`` processes) and code sandbox (``sandbox_slots`` zygotes). Each replica reserves
``workers`` CPUs from Ray, so Ray places replicas where those cores are free, and accepts
as many requests at once as the service itself works on (``max_concurrent_requests``):
the rest wait in Serve's proxy queue instead of being refused by the service with 429.

Settings: every ``REWARD_SERVER_<NAME>`` of the driver's environment is forwarded to the
replicas (``runtime_env.env_vars``); ``workers``/``sandbox_slots`` are set from the sizing
arguments. Two replicas on one node must not share the sandbox's per-slot uids (each
zygote's clean-up kills every process of its slot uid): each replica claims a node-local
block of uids with a lock file held for its lifetime.

Run it (package installed on every node, e.g. ``pip install '.[ray]'``)::

    ray start --head
    python deploy/ray/serve_app.py --replicas 2 --workers 4 --port 8000
    # or: serve run serve_app:build_app --app-dir deploy/ray replicas=2 workers=4

then POST http://<head>:8000/v1/score as with the container.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import sys
from dataclasses import dataclass
from typing import IO, Any, cast

from ray import serve
from ray.serve import Application, Deployment

log = logging.getLogger("reward_server.ray")

ENV_PREFIX = "REWARD_SERVER_"
# Per-replica sandbox uid blocks: UID_BASE + n * UID_BLOCK, below 65534 (nobody) so they
# exist in 16-bit uid maps too. The base is clear of the sandbox's default (61000..) so a
# replica's clean-up sweeps never hit a standalone reward-server on the same node.
UID_BASE = 62000
UID_BLOCK = 64
UID_BLOCKS = 54
UID_LOCK_DIR = "/tmp/reward-server-uid-blocks"


@dataclass(frozen=True)
class Sizing:
    """How many replicas, and how big each one is."""

    replicas: int = 2
    workers: int = 2
    sandbox_slots: int | None = None  # default: = workers
    max_ongoing_requests: int | None = None  # default: the service's max_concurrent_requests

    @classmethod
    def from_args(cls, args: dict[str, Any]) -> Sizing:
        """From ``serve run ... key=value`` arguments (strings) or a config's ``args``."""

        def opt(name: str) -> int | None:
            v = args.get(name)
            return None if v in (None, "") else int(v)

        return cls(
            replicas=opt("replicas") or cls.replicas,
            workers=opt("workers") or cls.workers,
            sandbox_slots=opt("sandbox_slots"),
            max_ongoing_requests=opt("max_ongoing_requests"),
        )


def _claim_uid_block(lock_dir: str = UID_LOCK_DIR) -> tuple[int, IO[str]]:
    """A base uid no other replica on this node is using (see the module docstring).

    The returned file must stay open for the replica's lifetime: the flock on it is the
    claim, and the kernel releases it when the replica process dies, however it dies.
    """
    os.makedirs(lock_dir, mode=0o700, exist_ok=True)
    for n in range(UID_BLOCKS):
        f = open(os.path.join(lock_dir, f"block-{n}.lock"), "w")  # noqa: SIM115 - kept open on purpose
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.close()
            continue
        return UID_BASE + n * UID_BLOCK, f
    raise RuntimeError(f"all {UID_BLOCKS} sandbox uid blocks on this node are in use")


def build_asgi_app() -> Any:
    """Runs on each replica at start: settings from the environment, then ``create_app``."""
    from reward_server.app import create_app
    from reward_server.settings import Settings

    settings = Settings()  # everything from REWARD_SERVER_* (runtime_env.env_vars)
    if settings.sandbox != "local":
        return create_app(settings)
    if settings.sandbox_slots > UID_BLOCK:
        raise ValueError(f"sandbox_slots must be <= {UID_BLOCK} under Ray Serve")
    base_uid, claim = _claim_uid_block()
    log.info("sandbox uid block: %d..%d", base_uid, base_uid + settings.sandbox_slots - 1)
    app = create_app(settings.model_copy(update={"sandbox_base_uid": base_uid}))
    app.state.sandbox_uid_claim = claim  # lives as long as the app, i.e. the replica
    return app


@serve.deployment(name="reward-server")
@serve.ingress(build_asgi_app)
class RewardServer:
    """The Serve deployment: an ASGI ingress around the app ``build_asgi_app`` returns."""

    def check_health(self) -> None:
        """Serve's periodic health check (a failing replica is replaced): the same verdict
        as ``/ready`` once started (a pool that keeps breaking, or a broken sandbox)."""
        service = getattr(self.app.state, "service", None)  # type: ignore[attr-defined]
        if service is None:
            return  # still starting: Serve waits for the constructor, not for this
        ok, why = service.healthy()
        if not ok:
            raise RuntimeError(why)


def _forwarded_env(sizing: Sizing, slots: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIX)}
    env[ENV_PREFIX + "WORKERS"] = str(sizing.workers)
    env[ENV_PREFIX + "SANDBOX_SLOTS"] = str(slots)
    return env


def build_app(args: dict[str, Any] | None = None) -> Application:
    """Application builder (``serve run serve_app:build_app replicas=2 workers=4``).

    Reads the sizing from ``args`` and the settings from the driver's environment.
    """
    from reward_server.settings import Settings

    sizing = Sizing.from_args(args or {})
    slots = sizing.sandbox_slots or sizing.workers
    env = _forwarded_env(sizing, slots)
    # Validated here, on the driver (the same environment the replicas get), so a typo
    # fails the deploy instead of every replica.
    overrides: dict[str, Any] = {"workers": sizing.workers, "sandbox_slots": slots}
    settings = Settings(**overrides)
    ongoing = sizing.max_ongoing_requests or settings.max_concurrent_requests
    deployment = cast(Deployment, RewardServer).options(
        num_replicas=sizing.replicas,
        max_ongoing_requests=ongoing,
        # The batch deadline of the service plus slack, so Serve never cuts a call short.
        graceful_shutdown_timeout_s=settings.shutdown_grace + 5,
        health_check_period_s=10,
        ray_actor_options={"num_cpus": sizing.workers, "runtime_env": {"env_vars": env}},
    )
    return deployment.bind()


def main(argv: list[str] | None = None) -> None:
    """Deploy onto a running Ray cluster (``ray start --head`` first) and return."""
    import ray

    p = argparse.ArgumentParser(description="Deploy reward-server on Ray Serve")
    p.add_argument("--address", default="auto", help="Ray cluster address (default: auto)")
    p.add_argument("--replicas", type=int, default=Sizing.replicas)
    p.add_argument("--workers", type=int, default=Sizing.workers, help="math workers (= CPUs) per replica")
    p.add_argument(
        "--sandbox-slots", type=int, default=None, help="code runs at once per replica (default: workers)"
    )
    p.add_argument("--max-ongoing-requests", type=int, default=None)
    p.add_argument("--host", default="0.0.0.0", help="Serve HTTP proxy host")
    p.add_argument("--port", type=int, default=8000, help="Serve HTTP proxy port")
    p.add_argument("--name", default="reward-server", help="Serve application name")
    a = p.parse_args(argv)

    ray.init(address=a.address)
    serve.start(http_options={"host": a.host, "port": a.port})
    app = build_app(
        {
            "replicas": a.replicas,
            "workers": a.workers,
            "sandbox_slots": a.sandbox_slots,
            "max_ongoing_requests": a.max_ongoing_requests,
        }
    )
    serve.run(app, name=a.name, route_prefix="/")
    print(f"reward-server on Ray Serve: http://{a.host}:{a.port}/v1/score ({a.replicas} replicas)")


# Replicas must be able to unpickle this module's functions even where deploy/ray is not on
# their import path (it is not a package): ship them by value.
try:
    from ray import cloudpickle as _cloudpickle

    _cloudpickle.register_pickle_by_value(sys.modules[__name__])  # type: ignore[no-untyped-call]
except (ImportError, AttributeError, ValueError):  # pragma: no cover - old Ray, or run as __main__
    pass


if __name__ == "__main__":
    main(sys.argv[1:])
