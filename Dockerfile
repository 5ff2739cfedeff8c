# syntax=docker/dockerfile:1
# reward-server image. Docs: docs/deploy.md (topologies, security posture, settings).
#
# The base is a build argument so users get the usual slim Python image and machines without
# a registry (CI here) can pass a local base with the same shape (python/pip on PATH).
ARG BASE_IMAGE=python:3.12-slim

# --- build: install the package and its dependencies into a self-contained venv -------------
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY reward_server ./reward_server
COPY verifiers ./verifiers
# pip and setuptools are needed to build, not to run, and the dependencies' own test suites
# (a third of the venv, mostly sympy's) are never imported: leave them behind with this stage.
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir . \
    && /opt/venv/bin/pip uninstall --yes pip setuptools \
    && find /opt/venv/lib -depth -type d -path '*/site-packages/*/tests' -exec rm -rf {} + \
    && /opt/venv/bin/python -m compileall -q /opt/venv

# --- runtime ------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

# Extra toolchains the code sandbox can run (e.g. "g++" for C++, "nodejs" for JavaScript).
# Empty by default: Python needs nothing more and the image stays small.
ARG SANDBOX_PACKAGES=""
# hadolint ignore=DL3008
RUN if [ -n "$SANDBOX_PACKAGES" ]; then \
        apt-get update \
        && apt-get install -y --no-install-recommends $SANDBOX_PACKAGES \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# A non-root user for deployments that never run code locally (math/format only, or code on
# a remote Sandbox Fusion): `--user reward --cap-drop ALL`. See the USER note below.
RUN useradd --system --no-log-init --uid 10001 --user-group --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin reward

COPY --from=build /opt/venv /opt/venv

# Every setting is REWARD_SERVER_<NAME> (reward_server/settings.py); these are the container's
# defaults, override any of them with -e / env:.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REWARD_SERVER_HOST=0.0.0.0 \
    REWARD_SERVER_PORT=8000

EXPOSE 8000

# Liveness only (/ready is the readiness endpoint for orchestrators). Exec form; the port
# follows REWARD_SERVER_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('REWARD_SERVER_PORT', '8000'), timeout=4)"]

# The code sandbox runs each candidate program under its own unprivileged uid (61000+slot),
# which only root can switch to: the service runs as uid 0 *inside* the container, and the
# deployment drops every capability except CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETUID and
# SETGID (docs/deploy.md says why each one; compose.yaml and deploy/k8s do it).
# hadolint ignore=DL3002
USER 0:0
STOPSIGNAL SIGTERM
ENTRYPOINT ["reward-server"]
CMD ["serve"]
