#!/usr/bin/env bash
# Command 2: set up and run the whole test suite (SQLite and PostgreSQL, Redis, headless chromium).
# Uses PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 when they answer; otherwise it
# starts throwaway servers from Debian's packages and removes them afterwards.
# Extra arguments go to pytest (e.g. ./test.sh tests/unit -x). Tests run in parallel worker
# processes (pytest-xdist; most of the suite's time is waiting on browsers, servers and a real
# Asterisk, not CPU): HELPLINE_TEST_WORKERS=3 by default, 0 runs them in this process; the
# real-Asterisk tests all go to one worker, which starts one throwaway Asterisk.
set -euo pipefail
cd "$(dirname "$0")"
scripts/setup.sh --test
source scripts/test-services.sh
start_test_services
trap stop_test_services EXIT
set +e
workers="${HELPLINE_TEST_WORKERS:-3}"
parallel=()
if [ "$workers" != "0" ]; then
  parallel=(-n "$workers" --dist loadgroup)
fi
.venv/bin/python -m pytest -p no:cacheprovider "${parallel[@]}" "$@"
status=$?
set -e
exit "$status"
