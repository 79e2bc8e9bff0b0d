#!/usr/bin/env bash
# Soak, run on demand (never in the test suite): real silo and API processes in cluster mode on loopback (Release),
# on a fresh soak_* database, under bounded mixed load at fixed rates for a given time, with every process's /metrics
# sampled. The client is `--scenario soak` of benchmarks/TradingPlatform.Benchmarks (Soak/): it drives orders (market
# and limit, repeated clientOrderIds, orders refused by risk, cancels), ticks, external fills (and repeated fillIds),
# reads, GET /v1/candles, a backtest now and then, token refreshes, bad requests (expected 4xx) and WebSocket
# subscribers that disconnect and resume with `since`; then it computes the verdict (resources flat, errors not
# growing) and exits non-zero when it fails. The judged window is what follows the warm-up: 10 minutes by default.
#
#   benchmarks/soak.sh [--minutes 13] [--warmup-minutes 3] [--bounds soak|production] [--silos 2] [--apis 1]
#                      [--rate 1] [--subscribers 4] [--output .tmp/reliability-soak.md] [--postgres <connection string>]
#                      [--keep-logs]
#
# --bounds soak (the default) starts the processes with smaller in-memory windows, so that each is full within the
# warm-up and anything still growing after it is a leak: Topics__RetainedEvents 1000 (production 10,000),
# Strategies__RecentOrdersInMemory 100 (10,000), Orleans__CollectionAgeMinutes 2 (15). --bounds production keeps
# every default; its windows need a warm-up longer than the collection age: --minutes 30 --warmup-minutes 16.
#
# Writes the section "## Soak" (command, configuration, load average, the client's report) to --output (default
# .tmp/reliability-soak.md) and every sample to <output>.samples.csv. Postgres: --postgres, else
# $TRADING_BENCH_POSTGRES, else 127.0.0.1:55432 (scripts/postgres.sh). The database is dropped at the end. Every wait
# is bounded; every process started here is stopped on exit (SIGTERM, SIGKILL after 30 s), also on Ctrl-C.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

minutes=13; silos=2; apis=1; warmup=3; bounds=soak; rate=1; subscribers=4; output=.tmp/reliability-soak.md; keep_logs=0
api_base=5640; silo_http_base=5650; silo_port_base=11640; gateway_base=30640
default_pg="Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres"
pg=${TRADING_BENCH_POSTGRES:-$default_pg}
args_shown="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --silos) silos=$2; shift 2 ;;
    --apis) apis=$2; shift 2 ;;
    --warmup-minutes) warmup=$2; shift 2 ;;
    --bounds) bounds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --subscribers) subscribers=$2; shift 2 ;;
    --output) output=$2; shift 2 ;;
    --postgres) pg=$2; shift 2 ;;
    --keep-logs) keep_logs=1; shift ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for n in "$silos" "$apis"; do [[ "$n" =~ ^[1-9][0-9]?$ ]] || { echo "--silos and --apis take 1..99" >&2; exit 2; }; done
case "$bounds" in
  soak) bounded=(Topics__RetainedEvents=1000 Strategies__RecentOrdersInMemory=100 Orleans__CollectionAgeMinutes=2)
        bounds_shown='smaller in-memory windows (`--bounds soak`): `Topics__RetainedEvents` 1,000, `Strategies__RecentOrdersInMemory` 100, `Orleans__CollectionAgeMinutes` 2; everything else at its defaults' ;;
  production) bounded=(); bounds_shown='every in-memory window at its production default (`--bounds production`), everything else at its defaults too' ;;
  *) echo "--bounds takes soak or production" >&2; exit 2 ;;
esac
awk -v m="$minutes" -v w="$warmup" 'BEGIN { exit !(m > 0 && w >= 0 && w < m) }' || { echo "--minutes must be > 0 and more than --warmup-minutes" >&2; exit 2; }

if [ "$pg" = "$default_pg" ] && ! (exec 3<>/dev/tcp/127.0.0.1/55432) 2>/dev/null; then scripts/postgres.sh start; fi
kv() { echo "$pg" | tr ';' '\n' | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'; }
export PGHOST=$(kv Host) PGPORT=$(kv Port) PGUSER=$(kv Username) PGPASSWORD=$(kv Password)
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" "${@:2}"; }

for i in $(seq 1 "$apis"); do port=$((api_base + i - 1)); ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "port $port is in use" >&2; exit 1; }; done
for i in $(seq 1 "$silos"); do
  for port in $((silo_http_base + i - 1)) $((silo_port_base + i - 1)) $((gateway_base + i - 1)); do
    ! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null || { echo "port $port is in use" >&2; exit 1; }
  done
done

echo "building (Release)"
for project in src/Api src/Silo benchmarks/TradingPlatform.Benchmarks; do
  out=$(dotnet build "$project" -c Release -v q -nologo 2>&1) || { echo "$out" | grep -E 'error|Error' | sort -u >&2; exit 1; }
done
api_dll=src/Api/bin/Release/net10.0/TradingPlatform.Api.dll
silo_dll=src/Silo/bin/Release/net10.0/TradingPlatform.Silo.dll
client_dll=benchmarks/TradingPlatform.Benchmarks/bin/Release/net10.0/TradingPlatform.Benchmarks.dll

db="soak_$(date -u +%Y%m%d%H%M%S)_$$"
cs="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=$db"
work=$(mktemp -d)
pids=(); names=(); client=""
# Stops the client, then API nodes, then silos (reverse start order): SIGTERM, SIGKILL after 30 s; drops the database.
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$client" ]; then kill "$client" 2>/dev/null || true; wait "$client" 2>/dev/null || true; fi
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[$i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "$pid" 2>/dev/null; then echo "${names[$i]} did not stop within 30 s: SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  psql_db postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ "$keep_logs" = 1 ]; then echo "logs kept in $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo "interrupted" >&2; exit 130' INT TERM

export Auth__SigningKey=soak-signing-key-0123456789abcdef0123 Auth__BootstrapAdmin__Username=bench \
  Auth__BootstrapAdmin__Password=bench-password-1 Auth__AccessTokenMinutes=120 \
  RateLimits__Dashboard__PermitsPerMinute=1000000 RateLimits__Admin__PermitsPerMinute=1000 RateLimits__Backtest__PermitsPerMinute=1000 \
  ConnectionStrings__Postgres="$cs" Orleans__ClusterId="$db" Orleans__ServiceId="$db" ASPNETCORE_ENVIRONMENT=Production
quiet='Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware=Warning' # not a shell name: passed with env
metrics=(); pid_args=()
start() { # name, log, env...
  local name=$1; shift
  env "$@" "$quiet" ${bounded[@]+"${bounded[@]}"} dotnet "${dll}" >"$work/$name.log" 2>&1 &
  pids+=($!); names+=("$name"); pid_args+=("$name=$!")
}
wait_ready() { # name url
  for _ in $(seq 1 240); do
    curl -sf -m 5 "$2/health/ready" >/dev/null && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.5
  done
  echo "$1 did not become ready:" >&2; tail -20 "$work/$1.log" >&2; exit 1
}
echo "starting $silos silo(s) and $apis API node(s) on database $db"
dll=$silo_dll
for i in $(seq 1 "$silos"); do
  url="http://127.0.0.1:$((silo_http_base + i - 1))"
  start "silo$i" ASPNETCORE_URLS="$url" Orleans__SiloPort=$((silo_port_base + i - 1)) Orleans__GatewayPort=$((gateway_base + i - 1))
  metrics+=("silo$i=$url/metrics")
  [ "$i" = 1 ] && wait_ready silo1 "$url" # the first silo migrates the database; the others join it
done
for i in $(seq 2 "$silos"); do wait_ready "silo$i" "http://127.0.0.1:$((silo_http_base + i - 1))"; done
dll=$api_dll
api_urls=()
for i in $(seq 1 "$apis"); do
  url="http://127.0.0.1:$((api_base + i - 1))"
  start "api$i" ASPNETCORE_URLS="$url"
  api_urls+=("$url"); metrics+=("api$i=$url/metrics")
done
for i in $(seq 1 "$apis"); do wait_ready "api$i" "${api_urls[$((i - 1))]}"; done

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
mkdir -p "$(dirname "$output")"
body="$work/report.md"
echo "soak: $minutes min ($warmup warm-up), load average $load_before"
set +e
dotnet "$client_dll" --scenario soak --api "$(IFS=,; echo "${api_urls[*]}")" --metrics "$(IFS=,; echo "${metrics[*]}")" \
  --pids "$(IFS=,; echo "${pid_args[*]}")" \
  --minutes "$minutes" --warmup-minutes "$warmup" --rate "$rate" --subscribers "$subscribers" \
  --output "$body" --samples "$output.samples.csv" >/dev/null &
client=$!
wait "$client"; verdict=$?
client=""
set -e
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
elapsed=$(( $(date +%s) - started ))
[ -f "$body" ] || { echo "the soak client wrote no report (exit $verdict)" >&2; exit "$verdict"; }

# Processes that exited during the run, and what their logs say at warning level or above (JSON lines: "@l").
exited=""
for i in "${!pids[@]}"; do kill -0 "${pids[$i]}" 2>/dev/null || exited+="${names[$i]} "; done
log_levels=""
for i in "${!names[@]}"; do
  n=$(grep -c '"@l":"\(Warning\|Error\|Fatal\)"' "$work/${names[$i]}.log" || true)
  log_levels+="${names[$i]} $n, "
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
pg_version=$(psql_db postgres -At -c "SELECT split_part(version(), ' on ', 1)")
{
  echo "## Soak"
  echo
  echo "Produced by \`benchmarks/soak.sh${args_shown:+ $args_shown}\` on $(date -u +%Y-%m-%d), ${elapsed} s of load (plus build and start)."
  echo "The script builds Release, creates database \`$db\` (dropped afterwards), starts $silos silo(s) and $apis API node(s) as"
  echo "real processes in cluster mode on loopback, and runs \`dotnet benchmarks/TradingPlatform.Benchmarks/bin/Release/net10.0/TradingPlatform.Benchmarks.dll --scenario soak\`"
  echo "(\`Soak/\` in that project) against them. Rate limits raised for the load user (dashboard 1,000,000/min, backtests 1,000/min);"
  echo "$bounds_shown (workstation GC, \`Orleans__ResponseTimeoutSeconds\` 10, WebSocket limits as in the README)."
  echo
  echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --version) SDK; $pg_version on the same machine."
  echo "**Load:** the cores are shared with other engineers' builds and tests: load average (1/5/15 min) $load_before before the run, $load_after after it."
  echo "Latencies below reflect that load; the verdict judges only resource trends and error counts."
  echo
  cat "$body"
  echo "Processes: ${exited:+exited during the run: $exited; }log lines at Warning or above: ${log_levels%, }."
  echo
} >"$output"
echo "wrote $output (exit $verdict)"
exit "$verdict"
