# Sourced by test.sh: make PostgreSQL and Redis available to the tests.
# Exports HELPLINE_TEST_PG_URL and HELPLINE_TEST_REDIS_URL.

_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
_tmp_services=""

start_test_services() {
  export HELPLINE_TEST_PG_URL="${HELPLINE_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
  export HELPLINE_TEST_REDIS_URL="${HELPLINE_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
  _tmp_services="$(mktemp -d /tmp/helpline-test-services.XXXXXX)"
  chmod 755 "$_tmp_services"
  if ! _port_open 5432; then
    local bin
    bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    if [ -n "$bin" ]; then
      echo "PostgreSQL is not running on 127.0.0.1:5432: starting a throwaway server on 127.0.0.1:54329"
      local run=()
      [ "$(id -u)" = 0 ] && { chown postgres "$_tmp_services"; run=(runuser -u postgres --); }
      "${run[@]}" "$bin/initdb" -D "$_tmp_services/pg" -A trust -U postgres >/dev/null
      "${run[@]}" "$bin/pg_ctl" -D "$_tmp_services/pg" -l "$_tmp_services/pg.log" -w \
        -o "-p 54329 -k $_tmp_services -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
      export HELPLINE_TEST_PG_URL="postgresql://postgres@127.0.0.1:54329/postgres"
      _pg_bin="$bin"
    else
      echo "PostgreSQL is not installed: its tests will be skipped (they fail in CI)"
    fi
  fi
  if ! _port_open 6379; then
    if command -v redis-server >/dev/null 2>&1; then
      echo "Redis is not running on 127.0.0.1:6379: starting a throwaway server on 127.0.0.1:63799"
      redis-server --port 63799 --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$_tmp_services/redis.pid" --logfile "$_tmp_services/redis.log" --dir "$_tmp_services"
      export HELPLINE_TEST_REDIS_URL="redis://127.0.0.1:63799/15"
    else
      echo "Redis is not installed: its tests will be skipped (they fail in CI)"
    fi
  fi
}

stop_test_services() {
  if [ -n "${_pg_bin:-}" ]; then
    local run=()
    [ "$(id -u)" = 0 ] && run=(runuser -u postgres --)
    "${run[@]}" "$_pg_bin/pg_ctl" -D "$_tmp_services/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$_tmp_services/redis.pid" ]; then
    kill "$(cat "$_tmp_services/redis.pid")" 2>/dev/null || true
  fi
  if [ -n "$_tmp_services" ]; then rm -rf "$_tmp_services"; fi
  return 0
}
