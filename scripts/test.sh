#!/usr/bin/env bash
# Install everything the test suite uses, then run it. Extra arguments go to pytest.
#
# As root on Debian/Ubuntu it also installs the container tools (buildah, podman, ...) so the
# container test runs; elsewhere the tests that need them skip and say what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends buildah podman runc debootstrap uidmap >/dev/null \
        || echo "scripts/test.sh: container tools not installed; the container test will skip" >&2
fi
pip install -q -c constraints.txt -e '.[test,trl,ray,deploy]'
python -m pytest "$@"
