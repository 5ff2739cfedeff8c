#!/usr/bin/env bash
# A cached virtualenv with verl 0.9.1 (CPU torch), for tests/integration/test_verl_reward_manager.py.
#
# Why a separate venv: verl 0.9.1 wants transformers < 5.11, while the project's TRL test
# needs transformers >= 5.24 in the main environment. Why --no-deps for verl: its full
# dependency list pulls GPU-only and heavy packages (wandb, peft, torchdata, tensorboard,
# datasets...) that its reward code never imports; the pinned set below is what verl's
# reward loop (reward manager, loader, Ray workers, hydra config) needs on a CPU.
#
# Our own package is not installed, only its runtime dependencies (read from
# pyproject.toml): the test runs the driver with PYTHONPATH set to the checkout under
# test, so a venv cached by an earlier checkout (another folder, older code) never
# shadows it, and nothing is built inside the work tree.
#
# Idempotent: a stamp file records what was installed; when it matches, nothing runs.
# A half-built venv (interrupted, or a failed install) has no stamp and is rebuilt.
#
# Usage: scripts/verl-venv.sh [VENV_DIR]   (default: $REWARD_SERVER_VERL_VENV or
#        /var/tmp/reward-server-verl-venv). Prints the venv's python on success.
# Exit codes: 0 ready; 3 an install step failed (e.g. no route to PyPI), log in VENV_DIR.log.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-${REWARD_SERVER_VERL_VENV:-/var/tmp/reward-server-verl-venv}}"
LOG="$VENV.log"
PYTHON_BIN="${PYTHON:-python3}"

# torch 2.13.0 is the CPU build that lies on this machine's disk (pip's find-links);
# an unpinned torch would pull a CUDA build of several GB.
TORCH=(torch==2.13.0)
VERL=(verl==0.9.1)
# What verl 0.9.1's reward path imports, within verl's own bounds
# (transformers >=5.5.3,<5.11, !=5.6.0; tensordict >=0.8,<=0.10, !=0.9.0; ray >=2.41).
VERL_DEPS=(
  transformers==5.10.4
  tensordict==0.10.0
  ray==2.58.0
  hydra-core==1.3.8
  omegaconf==2.3.1
  codetiming==1.4.0
  dill
  "numpy>=2"
  pandas
  pyarrow
  pylatexenc
  packaging
  aiohttp
)

deps_hash="$(sed -n '/^dependencies = \[/,/^\]/p' "$REPO/pyproject.toml" | sha256sum | cut -c1-16)"
stamp_text="$(printf '%s\n' "$("$PYTHON_BIN" -c 'import sys; print(sys.version.split()[0])')" \
  "${TORCH[@]}" "${VERL[@]}" "${VERL_DEPS[@]}" "reward-server-deps:$deps_hash")"
STAMP="$VENV/.reward-server-stamp"

mkdir -p "$(dirname "$VENV")"
exec 9>"$VENV.lock"
flock 9  # two test runs at once: the second waits, then finds the stamp

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$stamp_text" && -x "$VENV/bin/python" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi

rm -rf "$VENV"
: >"$LOG"
run() {
  echo "+ $*" >>"$LOG"
  if ! "$@" >>"$LOG" 2>&1; then
    echo "verl-venv: failed: $* (log: $LOG)" >&2
    tail -n 15 "$LOG" >&2
    exit 3
  fi
}
start=$SECONDS
run "$PYTHON_BIN" -m venv "$VENV"
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check)
run "${PIP[@]}" "${TORCH[@]}"
run "${PIP[@]}" --no-deps "${VERL[@]}"
run "${PIP[@]}" "${TORCH[@]}" "${VERL_DEPS[@]}"
mapfile -t OUR_DEPS < <("$VENV/bin/python" -c '
import sys, tomllib
print("\n".join(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"]))' "$REPO/pyproject.toml")
run "${PIP[@]}" "${TORCH[@]}" "${VERL_DEPS[@]}" "${OUR_DEPS[@]}"
run "$VENV/bin/python" -c "import verl, ray, tensordict, transformers, httpx"
printf '%s\n' "$stamp_text" >"$STAMP"
echo "verl-venv: built $VENV in $((SECONDS - start)) s" >&2
echo "$VENV/bin/python"
