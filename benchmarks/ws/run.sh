#!/usr/bin/env bash
# WebSocket gateway benchmark, run on demand (never in the test suite), loopback only:
#   1. memory: the API in the memory host (./memory: the same API plus GET /__bench/memory, the managed heap
#      after a forced full GC); the heap and working set at N=0, then with N idle subscribed connections;
#   2. throughput: the API process itself; N subscribers on `fills` while market orders flow over REST at a
#      steady rate; reports latency fill executedAt -> frame arrival (p50/p99), frames lost by healthy clients
#      (seq gaps), delivered frames/s, and API RSS per idle subscribed connection. One JSON line per rate.
#
#   benchmarks/ws/run.sh [--connections 1000] [--rates "50 100 200"] [--duration 20] [--no-memory] [--port 5620] [--threads 2]
#                        [--client node|dotnet|both] [--warmup 5] [--driver node|dotnet]
#   (--threads: node worker threads the clients are spread over)
#   (--client: the subscribers: node = the independent `ws` client (client-worker.mjs, the default); dotnet = our own
#    raw-socket client (client/), lighter on the CPU the API shares with it; both = each rate with node, then dotnet)
#   (--driver: what places the orders: node = bench.mjs itself (fetch, the default); dotnet = client/ in `drive` mode,
#    a process of its own measured apart, about a tenth of node's CPU per order)
#   (--journal-metrics: comma-separated /metrics URLs of the silos when the API runs as a cluster client
#    (ConnectionStrings__Postgres and Orleans__* set in the environment, silos started apart): adds the journal's
#    queued -> committed p50/p99 over the measured flow to the result)
#   (--warmup: seconds of order flow before the measured --duration, unmeasured: JIT tiering, pools)
#   (--port: HTTP port; the embedded silo takes port+6001 and port+25001, so two runs on one machine need two ports)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
connections=1000; rates="50 100 200"; duration=20; port=5620; memory=1; threads=2; clients=node; warmup=5; driver=node; journal_metrics=
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --no-memory) memory=0; shift ;;
    --port) port=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --client) clients=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --driver) driver=$2; shift 2 ;;
    --journal-metrics) journal_metrics=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "node is required (node --version)" >&2; exit 1; }
[ -d "$here/node_modules/ws" ] || (cd "$here" && npm install --no-audit --no-fund --silent)
cd "$root"
dotnet build src/Api -c Release -v q -nologo >/dev/null
[ "$memory" = 0 ] || dotnet build "$here/memory" -c Release -v q -nologo >/dev/null
case "$clients" in node|dotnet|both) ;; *) echo "--client node|dotnet|both" >&2; exit 2 ;; esac
case "$driver" in node|dotnet) ;; *) echo "--driver node|dotnet" >&2; exit 2 ;; esac
[ "$clients" = node ] && [ "$driver" = node ] || dotnet build "$here/client" -c Release -v q -nologo >/dev/null
[ "$clients" = both ] && clients="node dotnet"
ulimit -n 65536 2>/dev/null || true

base="http://127.0.0.1:$port"
log=$(mktemp)
api=
trap 'stop_api; rm -f "$log"' EXIT
stop_api() { if [ -n "$api" ]; then kill "$api" 2>/dev/null || true; wait "$api" 2>/dev/null || true; api=; fi; }
# Starts the API (or the memory host: same API, same settings) with the benchmark's settings; sets $api.
start_api() {
  ! curl -sf "$base/health/ready" >/dev/null || { echo "something already answers on $base: stop it first" >&2; exit 1; }
  env Auth__SigningKey=benchmark-signing-key-0123456789abcdef Auth__BootstrapAdmin__Username=bench \
    Auth__BootstrapAdmin__Password=bench-password-1 Auth__AccessTokenMinutes=120 \
    RateLimits__Dashboard__PermitsPerMinute=2000000000 RateLimits__Admin__PermitsPerMinute=1000 \
    Risk__MaxOrdersPerSecondPerStrategy=100000 WebSockets__MaxConnectionsPerUser=100000 \
    'Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware=Warning' \
    ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$base Orleans__SiloPort=$((port + 6001)) Orleans__GatewayPort=$((port + 25001)) \
    dotnet "$@" >"$log" 2>&1 &
  api=$!
  for _ in $(seq 1 120); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.25; done
  curl -sf "$base/health/ready" >/dev/null || { echo "API did not start:"; tail -20 "$log"; exit 1; }
}

if [ "$memory" = 1 ]; then
  start_api "$here/memory/bin/Release/net10.0/MemoryHost.dll" --port "$port"
  node "$here/bench.mjs" --base "$base" --pid "$api" --connections "$connections" --probe true --idle-only true
  stop_api
fi

start_api src/Api/bin/Release/net10.0/TradingPlatform.Api.dll
for rate in $rates; do
  for client in $clients; do
    node "$here/bench.mjs" --base "$base" --pid "$api" --connections "$connections" --rate "$rate" --duration "$duration" --warmup "$warmup" --threads "$threads" --client "$client" --driver "$driver" \
      ${journal_metrics:+--journal-metrics "$journal_metrics"}
  done
done
