#!/usr/bin/env bash
# Command 2: set up and run the whole test suite (SQLite and PostgreSQL, Redis, headless chromium).
# Uses PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 when they answer; otherwise it
# starts throwaway servers from Debian's packages and removes them afterwards.
# Extra arguments go to pytest (e.g. ./test.sh tests/unit -x).
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --test
source scripts/test-services.sh
start_test_services
trap stop_test_services EXIT
set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
exit "$status"
