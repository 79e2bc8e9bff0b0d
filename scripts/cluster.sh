#!/usr/bin/env bash
# A local TradingPlatform cluster without Docker: one private PostgreSQL, N silos, one API node.
#
#   scripts/cluster.sh up       build (Release), start Postgres, silos and API; wait until the API is ready
#   scripts/cluster.sh down     stop API, then silos (SIGTERM, SIGKILL after a timeout), then Postgres
#   scripts/cluster.sh status   each process: pid, alive or not, what its /health/ready answers; Postgres
#
# Everything lives under .cluster/ (pid files in .cluster/pids, logs in .cluster/logs, the database in
# .cluster/postgres). 'up' is idempotent: running processes are left alone, missing ones are started.
#
# Environment (all optional):
#   TP_CLUSTER_DIR          state directory                      (default <repo>/.cluster)
#   TP_CLUSTER_PG_PORT      port of the cluster's own Postgres     (default 55433)
#   TP_CLUSTER_PG_DIR       its data directory                     (default $TP_CLUSTER_DIR/postgres)
#   TP_CLUSTER_DB           database name                          (default tradingplatform)
#   TP_CLUSTER_SILOS        number of silos                        (default 2)
#   TP_SILO_PORT_BASE       silo-to-silo port of silo 1, +1 each   (default 11111)
#   TP_GATEWAY_PORT_BASE    client gateway port of silo 1, +1 each (default 30000)
#   TP_SILO_HTTP_PORT_BASE  health/metrics port of silo 1, +1 each (default 5101)
#   TP_API_URL              where the API listens                  (default http://127.0.0.1:5000)
#   TP_CLUSTER_ID           Orleans cluster and service id         (default tradingplatform)
#   TP_CLUSTER_TIMEOUT      seconds 'up' waits for readiness       (default 90)
#   TP_CLUSTER_STOP_TIMEOUT seconds 'down' waits per process before SIGKILL (default 30)
#   TP_CLUSTER_NO_BUILD=1   skip 'dotnet build' (use the binaries already built)
#   TP_SIGNING_KEY          JWT signing key for the API (default: a random key kept in $TP_CLUSTER_DIR/signing-key)
#   TP_ADMIN_USER, TP_ADMIN_PASSWORD   bootstrap admin passed to the API when set
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state=${TP_CLUSTER_DIR:-$root/.cluster}
pids="$state/pids"
logs="$state/logs"

pg_port=${TP_CLUSTER_PG_PORT:-55433}
pg_dir=${TP_CLUSTER_PG_DIR:-$state/postgres}
db=${TP_CLUSTER_DB:-tradingplatform}
silo_count=${TP_CLUSTER_SILOS:-2}
silo_port_base=${TP_SILO_PORT_BASE:-11111}
gateway_port_base=${TP_GATEWAY_PORT_BASE:-30000}
silo_http_base=${TP_SILO_HTTP_PORT_BASE:-5101}
api_url=${TP_API_URL:-http://127.0.0.1:5000}
api_url=${api_url%/}
cluster_id=${TP_CLUSTER_ID:-tradingplatform}
ready_timeout=${TP_CLUSTER_TIMEOUT:-90}
stop_timeout=${TP_CLUSTER_STOP_TIMEOUT:-30}

config=Release
silo_dll="$root/src/Silo/bin/$config/net10.0/TradingPlatform.Silo.dll"
api_dll="$root/src/Api/bin/$config/net10.0/TradingPlatform.Api.dll"
connection_string="Host=127.0.0.1;Port=$pg_port;Username=postgres;Password=postgres;Database=$db"

log() { printf '[cluster] %s\n' "$*"; }
die() { printf '[cluster] error: %s\n' "$*" >&2; exit 1; }

for n in "$pg_port" "$silo_count" "$silo_port_base" "$gateway_port_base" "$silo_http_base" "$ready_timeout" "$stop_timeout"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "not a number: '$n' (check the TP_* environment variables)"
done
[ "$silo_count" -ge 1 ] || die "TP_CLUSTER_SILOS must be at least 1"

# Never touch the test server that scripts/postgres.sh runs by default.
if [ "$(realpath -m "$pg_dir")" = "$(realpath -m "$root/.tmp/postgres")" ]; then
  die "TP_CLUSTER_PG_DIR must not be the tests' Postgres data directory ($root/.tmp/postgres)"
fi

pg() { TP_PG_PORT="$pg_port" TP_PG_DIR="$pg_dir" "$root/scripts/postgres.sh" "$@"; }

# --- processes ---------------------------------------------------------------------------------------

silo_names() { local i; for ((i = 1; i <= silo_count; i++)); do echo "silo$i"; done; }

# Names of processes that have a pid file (whatever TP_CLUSTER_SILOS was when they started), API first,
# then silos from the highest number down: the order 'down' stops them in.
known_names() {
  local f names=()
  [ -d "$pids" ] || return 0
  [ -f "$pids/api.pid" ] && names+=(api)
  for f in "$pids"/silo*.pid; do
    [ -e "$f" ] || continue
    f=${f##*/}; names+=("${f%.pid}")
  done
  [ "${#names[@]}" -gt 0 ] || return 0
  printf '%s\n' "${names[@]}" | awk '$0 == "api" { print "0 api"; next } { n = substr($0, 5); print (100000 - n) " " $0 }' \
    | sort -n | cut -d' ' -f2
}

dll_of() { if [ "$1" = api ]; then echo "$api_dll"; else echo "$silo_dll"; fi; }

health_url_of() {
  if [ "$1" = api ]; then echo "$api_url/health/ready"; return; fi
  local i=${1#silo}
  echo "http://127.0.0.1:$((silo_http_base + i - 1))/health/ready"
}

pid_of() { local f="$pids/$1.pid"; [ -f "$f" ] && tr -dc '0-9' <"$f"; return 0; }

# Alive = the pid exists AND is still running our dll (a recycled pid is not ours).
is_alive() {
  local name=$1 pid
  pid=$(pid_of "$name")
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -qF "$(basename "$(dll_of "$name")")"
}

# Prints "<http code> <first 200 bytes of the body>"; code 000 when nothing answers.
probe() {
  local body code
  body=$(mktemp)
  code=$(curl -s -o "$body" -w '%{http_code}' --max-time 5 "$1" 2>/dev/null) || true
  printf '%s %s' "${code:-000}" "$(head -c 200 "$body" | tr -d '\n')"
  rm -f "$body"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_process() {
  local name=$1 dll; shift
  dll=$(dll_of "$name")
  if is_alive "$name"; then
    log "$name already running (pid $(pid_of "$name"))"
    return
  fi
  rm -f "$pids/$name.pid"
  [ -f "$dll" ] || die "$dll not found (build first, or unset TP_CLUSTER_NO_BUILD)"
  [ -f "$logs/$name.log" ] && mv -f "$logs/$name.log" "$logs/$name.log.1"
  # The working directory is the content root: run from the build output like a deployed app.
  (
    cd "$(dirname "$dll")"
    exec env "$@" nohup dotnet "$dll" </dev/null >"$logs/$name.log" 2>&1
  ) &
  local pid=$! tries=0
  echo "$pid" >"$pids/$name.pid"
  # Until the subshell has exec'ed dotnet, the pid does not look like ours yet.
  while ! is_alive "$name" && kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 50 ]; do
    sleep 0.1; tries=$((tries + 1))
  done
  log "$name started (pid $pid, log ${logs#"$root"/}/$name.log)"
}

common_env() {
  printf '%s\n' \
    "ASPNETCORE_ENVIRONMENT=Development" \
    "DOTNET_ENVIRONMENT=Development" \
    "ConnectionStrings__Postgres=$connection_string" \
    "Orleans__ClusterId=$cluster_id" \
    "Orleans__ServiceId=$cluster_id"
}

start_silo() {
  local name=$1 i env_lines=()
  i=${name#silo}
  mapfile -t env_lines < <(common_env)
  start_process "$name" "${env_lines[@]}" \
    "Orleans__SiloPort=$((silo_port_base + i - 1))" \
    "Orleans__GatewayPort=$((gateway_port_base + i - 1))" \
    "ASPNETCORE_URLS=http://127.0.0.1:$((silo_http_base + i - 1))"
}

signing_key() {
  if [ -n "${TP_SIGNING_KEY:-}" ]; then echo "$TP_SIGNING_KEY"; return; fi
  local f="$state/signing-key"
  if [ ! -s "$f" ]; then
    (umask 077; head -c 48 /dev/urandom | base64 | tr -d '\n' >"$f")
  fi
  cat "$f"
}

start_api() {
  local env_lines=()
  mapfile -t env_lines < <(common_env)
  env_lines+=("ASPNETCORE_URLS=$api_url" "Auth__SigningKey=$(signing_key)")
  [ -n "${TP_ADMIN_USER:-}" ] && env_lines+=("Auth__BootstrapAdmin__Username=$TP_ADMIN_USER")
  [ -n "${TP_ADMIN_PASSWORD:-}" ] && env_lines+=("Auth__BootstrapAdmin__Password=$TP_ADMIN_PASSWORD")
  start_process api "${env_lines[@]}"
}

# Ports a process about to start needs must be free (a stray process would make it fail obscurely).
check_ports_free() {
  local name=$1 i port host_port
  if [ "$name" = api ]; then
    host_port=${api_url#*://}; host_port=${host_port%%/*}
    port=${host_port##*:}
    [[ "$port" =~ ^[0-9]+$ ]] || port=80
    ! port_in_use "$port" || die "port $port (API, $api_url) is already in use by another process"
    return
  fi
  i=${name#silo}
  for port in $((silo_port_base + i - 1)) $((gateway_port_base + i - 1)) $((silo_http_base + i - 1)); do
    ! port_in_use "$port" || die "port $port ($name) is already in use by another process"
  done
}

tail_logs() {
  local name
  for name in $(silo_names) api; do
    [ -f "$logs/$name.log" ] || continue
    printf '\n----- %s (last 40 lines of %s) -----\n' "$name" "$logs/$name.log" >&2
    tail -n 40 "$logs/$name.log" >&2
  done
}

wait_ready() {
  local deadline=$((SECONDS + ready_timeout)) name pending answer
  log "waiting up to ${ready_timeout}s for the silos and the API to be ready"
  while :; do
    pending=()
    for name in $(silo_names) api; do
      if ! is_alive "$name"; then
        printf '[cluster] error: %s exited during start-up\n' "$name" >&2
        tail_logs
        exit 1
      fi
      answer=$(probe "$(health_url_of "$name")")
      [ "${answer%% *}" = 200 ] || pending+=("$name")
    done
    [ "${#pending[@]}" -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '[cluster] error: not ready after %ss: %s\n' "$ready_timeout" "${pending[*]}" >&2
      for name in "${pending[@]}"; do
        printf '[cluster]   %s %s -> %s\n' "$name" "$(health_url_of "$name")" "$(probe "$(health_url_of "$name")")" >&2
      done
      tail_logs
      printf '[cluster] processes left running for inspection; stop them with: %s down\n' "$0" >&2
      exit 1
    fi
    sleep 1
  done
}

stop_process() {
  local name=$1 pid deadline
  pid=$(pid_of "$name")
  if ! is_alive "$name"; then
    [ -f "$pids/$name.pid" ] && log "$name not running (removing stale pid file)"
    rm -f "$pids/$name.pid"
    return
  fi
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + stop_timeout))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not exit within ${stop_timeout}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$pids/$name.pid"
  log "$name stopped"
}

ensure_database() {
  if ! command -v psql >/dev/null 2>&1; then
    log "psql not found: the first process to start creates database '$db'"
    return
  fi
  local exists
  exists=$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")
  if [ "$exists" != 1 ]; then
    psql -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null
    log "database '$db' created"
  fi
}

print_urls() {
  local name url
  echo
  echo "TradingPlatform cluster is up:"
  echo "  API           $api_url   (docs $api_url/docs, status $api_url/v1/system/status)"
  for name in $(silo_names); do
    url=$(health_url_of "$name"); url=${url%/health/ready}
    printf '  %-13s %s   (health %s/health/ready, metrics %s/metrics)\n' "$name" "$url" "$url" "$url"
  done
  echo "  Postgres      $connection_string"
  echo "  logs          ${logs#"$root"/}/   stop with: $0 down"
}

# --- commands ----------------------------------------------------------------------------------------

up() {
  command -v dotnet >/dev/null || die "dotnet not found"
  command -v curl >/dev/null || die "curl not found"
  mkdir -p "$pids" "$logs"

  local name any_running=0
  for name in $(silo_names) api; do if is_alive "$name"; then any_running=1; fi; done

  if [ "${TP_CLUSTER_NO_BUILD:-0}" = 1 ]; then
    log "TP_CLUSTER_NO_BUILD=1: not building"
  elif [ "$any_running" = 1 ]; then
    log "some processes are already running: not rebuilding their binaries under them"
  else
    # Only the two hosts (and what they reference): a test project being edited must not stop the cluster.
    local project
    for project in src/Silo/TradingPlatform.Silo.csproj src/Api/TradingPlatform.Api.csproj; do
      log "building $project ($config)"
      dotnet build "$root/$project" -c "$config" -nologo -v quiet -clp:ErrorsOnly \
        || die "build of $project failed"
    done
  fi

  for name in $(silo_names) api; do is_alive "$name" || check_ports_free "$name"; done

  pg start
  ensure_database

  for name in $(silo_names); do start_silo "$name"; done
  start_api

  wait_ready
  print_urls
}

down() {
  local name stopped=0
  for name in $(known_names); do stop_process "$name"; stopped=1; done
  [ "$stopped" = 1 ] || log "no silo or API process recorded"
  if [ -f "$pg_dir/PG_VERSION" ]; then pg stop; else log "postgres never started here"; fi
}

status() {
  local name pid answer alive rc=0 names
  names=$( { silo_names; known_names; echo api; } | awk '!seen[$0]++')
  printf '%-6s %-8s %-5s %-40s %s\n' NAME PID ALIVE HEALTH ANSWER
  for name in $names; do
    pid=$(pid_of "$name"); pid=${pid:--}
    if is_alive "$name"; then
      alive=yes
      answer=$(probe "$(health_url_of "$name")")
      [ "${answer%% *}" = 200 ] || rc=3
    else
      alive=no; answer="-"; rc=3
    fi
    printf '%-6s %-8s %-5s %-40s %s\n' "$name" "$pid" "$alive" "$(health_url_of "$name")" "$answer"
  done
  if [ -f "$pg_dir/PG_VERSION" ]; then
    pg status || rc=3
  else
    echo "postgres not initialised ($pg_dir)"; rc=3
  fi
  return "$rc"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
