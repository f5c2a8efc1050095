#!/usr/bin/env bash
# Command 1: set up and run the helpline on its embedded defaults (SQLite, in-process fan-out,
# no PBX) with demo data. Open http://127.0.0.1:8000/ and log in with a printed demo user.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh
.venv/bin/helpline demo
exec .venv/bin/helpline serve
