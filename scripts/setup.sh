#!/usr/bin/env bash
# Set up Helpline on a Debian machine with Python 3.11: system packages (when missing and we
# are root), a virtualenv in .venv, and the Python packages. Safe to run again.
#   scripts/setup.sh            runtime only
#   scripts/setup.sh --test     also what the test suite needs (chromium, PostgreSQL, Redis)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=(python3-venv espeak-ng libespeak-ng1 sox libsox-fmt-mp3 fonts-noto-core)
[ "$want_test" = 1 ] && packages+=(chromium postgresql redis-server)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing Debian packages (run as root or install them): ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
extras="."
[ "$want_test" = 1 ] && extras=".[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$extras"
# The desk softphone's JsSIP bundle (npm registry, bundled here, never committed): without it the
# desk works with desk phones only.
scripts/build-softphone.sh || echo "softphone: JsSIP bundle not built; the desk works with desk phones only" >&2
