#!/usr/bin/env bash
# A private PostgreSQL server on loopback for tests, benchmarks and the local cluster.
#   scripts/postgres.sh start|stop|status|url
# Environment: TP_PG_PORT (default 55432), TP_PG_DIR (default <repo>/.tmp/postgres).
# PostgreSQL refuses to run as root, so as root the server runs as the 'postgres' user.
# wal_buffers=64MB (the default is 4 MB with the default 128 MB shared_buffers): a 1M-row candle import writes about
# 130 MB of WAL, and with 4 MB of buffers the importing backend keeps writing WAL out itself; docker-compose.yml sets the
# same (docs/benchmarks.md, "Candle import: series key and WAL buffers").
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${TP_PG_PORT:-55432}
dir=${TP_PG_DIR:-$root/.tmp/postgres}
bin=${TP_PG_BIN:-}
if [ -z "$bin" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
fi
[ -x "$bin/pg_ctl" ] || { echo "PostgreSQL server binaries not found (install the Debian package 'postgresql')" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() { echo "Host=127.0.0.1;Port=$port;Username=postgres;Password=postgres;Database=postgres"; }

start() {
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir" && chmod 700 "$dir"
  if [ ! -f "$dir/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
  fi
  if as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    echo "postgres already running on 127.0.0.1:$port"
    return
  fi
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=300 -c fsync=${TP_PG_FSYNC:-on} -c wal_buffers=64MB" start >/dev/null
  echo "postgres running on 127.0.0.1:$port (data in $dir)"
}

stop() {
  if [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    echo "postgres stopped"
  else
    echo "postgres not running"
  fi
}

status() {
  if [ -f "$dir/PG_VERSION" ] && as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    echo "postgres running on 127.0.0.1:$port"
  else
    echo "postgres not running"; return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  url) url ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
