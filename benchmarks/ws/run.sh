#!/usr/bin/env bash
# WebSocket gateway benchmark, run on demand (never in the test suite), loopback only:
#   N subscribers on `fills` of one embedded API (Release) while market orders flow over REST at a steady
#   rate; reports latency fill executedAt -> frame arrival (p50/p99), frames lost by healthy clients (seq
#   gaps), delivered frames/s, and API RSS per idle subscribed connection. Prints one JSON line per rate.
#
#   benchmarks/ws/run.sh [--connections 1000] [--rates "50 100 200"] [--duration 20]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
connections=1000; rates="50 100 200"; duration=20; port=5620
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v node >/dev/null || { echo "node is required (node --version)" >&2; exit 1; }
[ -d "$here/node_modules/ws" ] || (cd "$here" && npm install --no-audit --no-fund --silent)
cd "$root"
dotnet build src/Api -c Release -v q -nologo >/dev/null
ulimit -n 65536 2>/dev/null || true

base="http://127.0.0.1:$port"
log=$(mktemp)
env Auth__SigningKey=benchmark-signing-key-0123456789abcdef Auth__BootstrapAdmin__Username=bench \
  Auth__BootstrapAdmin__Password=bench-password-1 Auth__AccessTokenMinutes=120 \
  RateLimits__Dashboard__PermitsPerMinute=2000000000 RateLimits__Admin__PermitsPerMinute=1000 \
  Risk__MaxOrdersPerSecondPerStrategy=100000 WebSockets__MaxConnectionsPerUser=100000 \
  'Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware=Warning' \
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$base Orleans__SiloPort=11621 Orleans__GatewayPort=30621 \
  dotnet src/Api/bin/Release/net10.0/TradingPlatform.Api.dll >"$log" 2>&1 &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.25; done
curl -sf "$base/health/ready" >/dev/null || { echo "API did not start:"; tail -20 "$log"; exit 1; }

for rate in $rates; do
  node "$here/bench.mjs" --base "$base" --pid "$api" --connections "$connections" --rate "$rate" --duration "$duration"
done
