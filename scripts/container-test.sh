#!/usr/bin/env bash
# Build the reward-server image with buildah, run it with podman, prove it works, stop it.
#
# Why this exists: the image is the deliverable most users run, and this machine (like CI)
# has no Docker engine and no registry. So the base image is made once from Debian packages
# with debootstrap (cached under $BASE_CACHE), imported into a private podman/buildah store
# (cached under $STORE so layer caching makes re-runs fast), and the project's Dockerfile is
# built on top of it with BASE_IMAGE pointing at that local base (see
# /work/shared/reference/containers.md for the recipe and the quirks of this machine).
#
# What it checks, in order:
#   1. the image builds (HEALTHCHECK kept: --format docker) and its size is reported;
#   2. the container starts with the same security posture as deploy/k8s and compose.yaml
#      (root, every capability dropped except CHOWN DAC_OVERRIDE FOWNER KILL SETUID SETGID,
#      no-new-privileges, read-only root filesystem, /tmp a size-limited tmpfs);
#   3. /health answers 200 and the image's own HEALTHCHECK command passes; /ready is 200 and
#      /metrics serves Prometheus text;
#   4. the code sandbox works inside the container, probed directly through its backend
#      (a correct program, a program dialling the service's port, a file in a sticky
#      directory it must clean up) and reports per-slot uids, seccomp and Landlock;
#   5. a batch scores over HTTP: math (right, wrong, no answer) and format, and, once the
#      service advertises task "code" in /health, code items (right, wrong, an attack);
#   6. `podman stop` (SIGTERM) ends it with exit code 0 in under 30 s;
#   7. the container is removed (the image and the caches stay for the next run unless
#      --clean).
#
# Usage: scripts/container-test.sh [--clean] [--keep-running]
#   --clean         remove the test image, the build cache and the private store afterwards
#   --keep-running  leave the container up (prints how to reach and stop it); skips 6-7
# Environment:
#   BASE_CACHE  (default /var/tmp/reward-server-base)        debootstrap base tarball
#   STORE       (default /var/tmp/reward-server-containers)  podman/buildah storage
#   REQUIRE_CODE=1  fail (instead of noting it) when the service has no task "code"
# Needs root and: buildah podman runc debootstrap (apt-get install -y --no-install-recommends
# buildah podman runc debootstrap uidmap).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_CACHE="${BASE_CACHE:-/var/tmp/reward-server-base}"
STORE="${STORE:-/var/tmp/reward-server-containers}"
BASE_TAG="localhost/reward-server-base:bookworm"
IMAGE="localhost/reward-server:test"
NAME="reward-server-test-$$"
SUITE="bookworm"
CLEAN=0
KEEP=0
for arg in "$@"; do
    case "$arg" in
        --clean) CLEAN=1 ;;
        --keep-running) KEEP=1 ;;
        -h | --help) sed -n '2,40p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

START=$SECONDS
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - START))" "$*"; }
die() { echo "FAIL: $*" >&2; exit 1; }

for tool in buildah podman runc debootstrap python3; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y --no-install-recommends buildah podman runc debootstrap uidmap)"
done
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and the private container store need it)"

# One private store for podman and buildah, so nothing touches the machine's default store.
STORAGE=(--root "$STORE/root" --runroot "$STORE/runroot" --storage-driver overlay)
PODMAN=(podman "${STORAGE[@]}" --runtime runc)
BUILDAH=(buildah "${STORAGE[@]}")
mkdir -p "$STORE" "$BASE_CACHE"

# The machine is shared: one build/run of this script at a time (others wait here).
exec 9>"$STORE/lock"
if ! flock -n 9; then
    echo "another container test holds $STORE/lock; waiting for it"
    flock 9
fi

# --- 1. base image (once) ------------------------------------------------------------------
# The Debian mirror is read from the machine's apt configuration at run time, never hard-coded.
mirror_url() {
    local f=/etc/apt/sources.list.d/debian.sources
    if [ -f "$f" ]; then
        awk '/^URIs:/ {print $2; exit}' "$f"
    elif [ -f /etc/apt/sources.list ]; then
        awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) {print $i; exit}}' /etc/apt/sources.list
    fi
}

make_base_tarball() {
    local mirror rootfs
    mirror="$(mirror_url)"
    [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources"
    rootfs="$BASE_CACHE/rootfs"
    rm -rf "$rootfs" "$BASE_CACHE/base.tar.part"
    step "debootstrap $SUITE from $mirror (once; cached in $BASE_CACHE)"
    debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" "$mirror" >"$BASE_CACHE/debootstrap.log" 2>&1 \
        || { tail -20 "$BASE_CACHE/debootstrap.log"; die "debootstrap failed"; }
    # Shape it like python:3.x-slim: python/pip on PATH, pip allowed to install system-wide.
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED
    ln -sf /usr/bin/python3 "$rootfs/usr/local/bin/python"
    ln -sf /usr/bin/pip3 "$rootfs/usr/local/bin/pip"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    # This machine re-signs outgoing TLS with a local CA: give the base image the host's
    # bundle (the Dockerfile itself stays free of this machine's quirks).
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/host-ca-bundle.crt"
    tar -C "$rootfs" -cf "$BASE_CACHE/base.tar.part" .
    mv "$BASE_CACHE/base.tar.part" "$BASE_CACHE/base.tar"
    rm -rf "$rootfs"
}

step "base image"
[ -s "$BASE_CACHE/base.tar" ] || make_base_tarball
if ! "${PODMAN[@]}" image exists "$BASE_TAG"; then
    "${PODMAN[@]}" import \
        --change 'CMD ["/bin/bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/host-ca-bundle.crt' \
        --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/host-ca-bundle.crt' \
        "$BASE_CACHE/base.tar" "$BASE_TAG" >"$STORE/import.log" 2>&1 \
        || { cat "$STORE/import.log" >&2; die "podman import of the base failed"; }
fi
echo "base: $BASE_TAG"

# --- 2. build --------------------------------------------------------------------------------
step "buildah build (layers cached in $STORE)"
"${BUILDAH[@]}" build --isolation chroot --layers --format docker \
    --build-arg "BASE_IMAGE=$BASE_TAG" -t "$IMAGE" -f "$REPO/Dockerfile" "$REPO" \
    >"$STORE/build.log" 2>&1 || { tail -40 "$STORE/build.log"; die "image build failed (log: $STORE/build.log)"; }
SIZE_BYTES="$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")"
BASE_BYTES="$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$BASE_TAG")"
echo "image $IMAGE: $((SIZE_BYTES / 1000000)) MB (base $((BASE_BYTES / 1000000)) MB, ours $(((SIZE_BYTES - BASE_BYTES) / 1000000)) MB)"
"${PODMAN[@]}" image inspect --format '{{json .HealthCheck}}' "$IMAGE" | grep -q '/health' \
    || die "the image lost its HEALTHCHECK"

cleanup() {
    local rc=$?
    if [ "$KEEP" = 0 ]; then
        "${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
        if [ "$CLEAN" = 1 ]; then
            "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
            "${BUILDAH[@]}" prune -a -f >/dev/null 2>&1 || true
            "${PODMAN[@]}" system reset -f >/dev/null 2>&1 || true
            rm -rf "$STORE/root" "$STORE/runroot"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT

# --- 3. run ----------------------------------------------------------------------------------
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "podman run $NAME on 127.0.0.1:$PORT"
# The posture of deploy/k8s/deployment.yaml and compose.yaml (see docs/deploy.md). The
# ulimits are this machine's quirk: podman's defaults exceed its hard limits.
"${PODMAN[@]}" run -d --name "$NAME" \
    --user 0 --cap-drop all \
    --cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER --cap-add KILL --cap-add SETUID --cap-add SETGID \
    --security-opt no-new-privileges \
    --read-only --tmpfs /tmp:rw,size=512m,mode=1777 \
    --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --health-interval disable \
    --memory 2g --pids-limit 1024 \
    -e REWARD_SERVER_WORKERS=2 -e REWARD_SERVER_SANDBOX_BASE_UID=63000 -e CANARY_SECRET=not-for-candidates \
    -p "127.0.0.1:$PORT:8000" "$IMAGE" >/dev/null 2>"$STORE/run.err" \
    || { cat "$STORE/run.err" >&2; die "podman run failed"; }

logs_and_die() { echo "--- container logs" >&2; "${PODMAN[@]}" logs "$NAME" 2>&1 | tail -40 >&2; die "$*"; }

step "waiting for /health"
for _ in $(seq 1 120); do
    if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=2)" 2>/dev/null; then
        break
    fi
    [ "$("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$NAME")" = true ] || logs_and_die "the container exited while starting"
    sleep 0.5
done
python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/health', timeout=2)" 2>/dev/null \
    || logs_and_die "/health not 200 within 60 s"
echo "healthy after $((SECONDS - START)) s since the script started"
# The image's own HEALTHCHECK (podman schedules it with systemd timers, absent here: run it once).
"${PODMAN[@]}" healthcheck run "$NAME" >/dev/null || logs_and_die "the image's HEALTHCHECK command failed"
echo "HEALTHCHECK command: healthy"

# --- 4. the code sandbox inside the container, through its own backend --------------------------
step "code sandbox probe inside the container"
"${PODMAN[@]}" exec -i "$NAME" python - 8000 <<'PY' || logs_and_die "sandbox probe failed"
"""Runs inside the container with the container's capabilities: proves the zygote starts,
confines and cleans up there (independently of whether the service routes task "code")."""
import asyncio
import json
import os
import sys
import time

from verifiers.code.sandbox import ExecRequest, RunInput, make_backend

PORT = int(sys.argv[1])
DIAL = f"import socket\ns = socket.create_connection(('127.0.0.1', {PORT}), timeout=2)\nprint('connected')\n"
STICKY = (
    "import os\nos.mkdir('d', 0o1777)\nos.chmod('d', 0o1777)\n"
    "open('d/f', 'w').write('x' * 1000)\nos.chmod('d/f', 0)\nprint('wrote')\n"
)

# Children that outlive their parent and ignore SIGTERM: only a group SIGKILL from the
# zygote (root, so CAP_KILL across uids) and the uid sweep end them.
HANG = (
    "import os, signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "for _ in range(3):\n    os.fork()\ntime.sleep(60)\n"
)


def _uid_processes(uid: int) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.stat(f"/proc/{pid}").st_uid == uid:
                found.append(int(pid))
        except OSError:
            pass
    return found


async def main() -> None:
    # Its own uid range, so its clean-up sweeps never touch the service's slots.
    sb = make_backend("local", slots=1, base_uid=63500)
    await sb.start()
    try:
        layers = sb.describe()["layers"]
        print("layers:", json.dumps(layers, sort_keys=True))
        assert layers.get("uid"), "no per-slot uid: the service is not root in the container"
        assert layers.get("seccomp"), "seccomp is not active"
        assert layers.get("landlock"), "Landlock is not active"
        assert "nproc" in layers.get("rlimits", []), "RLIMIT_NPROC is not applied"
        r = await sb.execute(ExecRequest("python", "print(sum(map(int, input().split())))", (RunInput("1 2\n"),)))
        assert r.runs[0].status == "ok" and r.runs[0].stdout.strip() == "3", r
        r = await sb.execute(ExecRequest("python", DIAL, (RunInput(),)))
        assert r.runs[0].status != "ok" and "connected" not in r.runs[0].stdout, r
        r = await sb.execute(ExecRequest("python", STICKY, (RunInput(),)))
        assert r.runs[0].stdout.strip() == "wrote", r
        assert not sb.leftovers(), f"scratch not cleaned: {sb.leftovers()}"
        t0 = time.monotonic()
        r = await sb.execute(ExecRequest("python", HANG, (RunInput(),), timeout=1.0))
        took = time.monotonic() - t0
        assert r.runs[0].status == "timeout" and took < 5, (took, r)
        await asyncio.sleep(0.2)
        assert not _uid_processes(63500), f"processes of the slot uid survived: {_uid_processes(63500)}"
        print(f"sandbox: a+b ok; dialling the service denied; sticky scratch removed; "
              f"a forking sleeper killed at its deadline ({took:.1f} s), nothing left")
    finally:
        await sb.close()


asyncio.run(main())
PY

# --- 5. score a batch over HTTP ---------------------------------------------------------------
step "score a batch over HTTP"
python3 - "$PORT" "${REQUIRE_CODE:-0}" <<'PY' || logs_and_die "HTTP checks failed"
"""The HTTP contract as a trainer sees it: one result per item, in order, right rewards."""
import json
import sys
import urllib.request

PORT, REQUIRE_CODE = int(sys.argv[1]), sys.argv[2] == "1"
BASE = f"http://127.0.0.1:{PORT}"


def call(path: str, body: object | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


status, health = call("/health")
assert status == 200 and health.get("status") == "ok", (status, health)
status, ready = call("/ready")
assert status == 200, ("/ready", status, ready)
with urllib.request.urlopen(BASE + "/metrics", timeout=10) as resp:
    assert resp.status == 200 and b"# TYPE" in resp.read(), "/metrics"
print("health:", json.dumps({k: health[k] for k in health if k != "pool"})[:400])

GOOD = "<think>12 * 3 = 36, half is 18</think>\n<answer>18</answer>"
items = [
    {"id": "math-right", "completion": GOOD, "reference": "#### 18"},
    {"id": "math-wrong", "completion": "<think>guess</think>\n<answer>17</answer>", "reference": "18"},
    {"id": "math-symbolic", "completion": "<think>x</think>\n<answer>\\frac{\\sqrt{8}}{2}</answer>", "reference": "\\sqrt{2}"},
    {"id": "format-bad", "completion": "<think>a</think><think>b</think><answer>18</answer>", "reference": "18"},
    {"id": "no-answer", "completion": "<think>I ran out of tokens", "reference": "18"},
]
want = {
    "math-right": (1.0, 1.0),
    "math-wrong": (0.0, 1.0),
    "math-symbolic": (1.0, 1.0),
    "format-bad": (1.0, 0.0),
    "no-answer": (0.0, 0.0),
}

tasks = set(health.get("tasks") or [])
text = json.dumps(health.get("components"))
has_code = "code" in tasks or "code" in text
if has_code:
    fence = "```"
    prog = f"<think>add</think>\n<answer>{fence}python\nprint(sum(map(int, input().split())))\n{fence}</answer>"
    wrong = f"<think>add</think>\n<answer>{fence}python\nprint(0)\n{fence}</answer>"
    dial = (
        f"<think>cheat</think>\n<answer>{fence}python\nimport socket\n"
        f"socket.create_connection(('127.0.0.1', 8000), timeout=2)\nprint(3)\n{fence}</answer>"
    )
    ref = {"tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "20 22\n", "output": "42\n"}]}
    items += [
        {"id": "code-right", "task": "code", "completion": prog, "reference": ref},
        {"id": "code-wrong", "task": "code", "completion": wrong, "reference": ref},
        {"id": "code-dial", "task": "code", "completion": dial, "reference": ref},
    ]
    want.update({"code-right": (1.0, 1.0), "code-wrong": (0.0, 1.0), "code-dial": (0.0, 1.0)})
elif REQUIRE_CODE:
    raise SystemExit("the service does not advertise task 'code' in /health")
else:
    print("note: the service does not advertise task 'code' yet: HTTP code items skipped "
          "(the sandbox itself was proven by the probe above)")

status, body = call("/v1/score", {"items": items})
assert status == 200, (status, body)
results = body["results"]
assert [r["id"] for r in results] == [i["id"] for i in items], "results out of order"
for r in results:
    acc, fmt = want[r["id"]]
    got = (r["components"].get("accuracy"), r["components"].get("format"))
    assert got == (acc, fmt), f"{r['id']}: components {got}, want {(acc, fmt)}: {json.dumps(r)[:600]}"
    assert r["reward"] == acc + fmt, r
    assert "not-for-candidates" not in json.dumps(r), "a secret leaked into a response"
print(f"scored {len(results)} items over HTTP: " + ", ".join(f"{r['id']}={r['reward']}" for r in results))

status, err = call("/v1/score", {"items": [{"completion": 1}]})
assert status == 422 and err.get("error") == "invalid_request", (status, err)
print("malformed batch: 422 invalid_request")
PY

if [ "$KEEP" = 1 ]; then
    trap - EXIT
    echo "left running: http://127.0.0.1:$PORT  (stop: ${PODMAN[*]} stop $NAME && ${PODMAN[*]} rm $NAME)"
    exit 0
fi

# --- 6. SIGTERM and a clean exit ----------------------------------------------------------------
step "podman stop (SIGTERM) with a batch in flight"
# A batch that takes ~2 s (a program that sleeps) is in flight when SIGTERM arrives: the
# service must finish it (drain) and then exit 0.
python3 - "$PORT" >"$STORE/inflight.out" 2>&1 <<'PY' &
import json, sys, urllib.request
fence = "```"
item = {"id": "slow", "task": "code", "reference": {"tests": [{"input": "", "output": "done"}]},
        "completion": f"<think>wait</think>\n<answer>{fence}python\nimport time\ntime.sleep(2)\nprint('done')\n{fence}</answer>"}
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/v1/score", data=json.dumps({"items": [item]}).encode(),
                             headers={"content-type": "application/json"})
with urllib.request.urlopen(req, timeout=60) as resp:
    body = json.loads(resp.read())
print(resp.status, body["results"][0]["components"]["accuracy"])
PY
INFLIGHT=$!
sleep 0.7
t0=$(date +%s.%N)
# (stderr: podman complains here that systemd is absent for its healthcheck timers; harmless)
"${PODMAN[@]}" stop -t 30 "$NAME" >/dev/null 2>>"$STORE/run.err"
t1=$(date +%s.%N)
elapsed="$(python3 -c "print(round($t1 - $t0, 2))")"
code="$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$NAME")"
"${PODMAN[@]}" logs "$NAME" 2>&1 | tail -5
echo "stopped in ${elapsed} s, exit code $code"
[ "$code" = 0 ] || die "exit code $code after SIGTERM (want 0)"
python3 -c "import sys; sys.exit(0 if $elapsed < 30 else 1)" || die "stop took ${elapsed} s (want < 30)"
if wait "$INFLIGHT" && grep -qx '200 1.0' "$STORE/inflight.out"; then
    echo "the batch in flight at SIGTERM was answered: $(cat "$STORE/inflight.out")"
else
    cat "$STORE/inflight.out" >&2
    die "the batch in flight at SIGTERM was not answered (no drain)"
fi

step "PASS (image $((SIZE_BYTES / 1000000)) MB, total $((SECONDS - START)) s)"
