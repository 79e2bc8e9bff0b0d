#!/usr/bin/env bash
# Candle benchmark, run on demand (never in the test suite). Each figure next to a baseline in the same run:
#   HTTP   a real silo and API node in cluster mode on a fresh bench database (loopback, Release):
#            POST /v1/candles/import of a 1,000,000-row CSV with curl (rows/s)  vs  psql \copy of the same file
#              into a temp table + the same INSERT … SELECT (what PostgreSQL's own tooling does, no C# at all);
#            GET /v1/candles 1,000 one-minute bars with wrk (p50/p99)  vs  the same node's bare GET /health.
#   store  dotnet run -c Release --project benchmarks/TradingPlatform.Benchmarks -- candles (CandleBench.cs):
#            Import vs multi-row INSERT batches, ReadBatches of 1M bars (binary COPY) vs a plain data reader,
#            Query of 1,000 bars vs the bare SQL query, and the in-memory store.
# Writes (or replaces) the section "## Candles" of docs/benchmarks.md; other sections stay as they are.
#
#   benchmarks/candles.sh [--rows 1000000] [--rounds 3] [--duration 10] [--connections 4] [--postgres <connection string>]
#
# Postgres: --postgres, else $TRADING_BENCH_POSTGRES, else 127.0.0.1:55432 (scripts/postgres.sh). Databases are bench_*,
# dropped afterwards. Bounded in time: every wait has a timeout; the processes started here are stopped on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

rows=1000000; rounds=3; duration=10; connections=4; threads=2
api_port=5620; silo_http=5621; silo_port=11620; gateway_port=30620
default_pg="Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres"
pg=${TRADING_BENCH_POSTGRES:-$default_pg}
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --postgres) pg=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ "$pg" = "$default_pg" ] && ! (exec 3<>/dev/tcp/127.0.0.1/55432) 2>/dev/null; then scripts/postgres.sh start; fi
# psql from the connection string's parts (host, port, user, password).
kv() { echo "$pg" | tr ';' '\n' | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'; }
export PGHOST=$(kv Host) PGPORT=$(kv Port) PGUSER=$(kv Username) PGPASSWORD=$(kv Password)
psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" "${@:2}"; }

echo "building (Release)"
dotnet build src/Api -c Release -v q -nologo >/dev/null
dotnet build src/Silo -c Release -v q -nologo >/dev/null
dotnet build benchmarks/TradingPlatform.Benchmarks -c Release -v q -nologo >/dev/null
api_dll=src/Api/bin/Release/net10.0/TradingPlatform.Api.dll
silo_dll=src/Silo/bin/Release/net10.0/TradingPlatform.Silo.dll

db="bench_candles_http_$(date -u +%Y%m%d%H%M%S)"
cs="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=$db"
work=$(mktemp -d)
silo=""; api=""
cleanup() {
  for pid in $api $silo; do kill "$pid" 2>/dev/null || true; done
  for pid in $api $silo; do wait "$pid" 2>/dev/null || true; done
  psql_db postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)

# ---- store level (its own database) -------------------------------------------------------------------------------
echo "store benchmark (CandleBench, $rows rows)"
TRADING_BENCH_POSTGRES="$pg" dotnet benchmarks/TradingPlatform.Benchmarks/bin/Release/net10.0/TradingPlatform.Benchmarks.dll \
  candles --rows "$rows" --output "$work/store.md" >/dev/null

# ---- HTTP: one silo and one API node in cluster mode ------------------------------------------------------------
export Auth__SigningKey=benchmark-signing-key-0123456789abcdef Auth__BootstrapAdmin__Username=bench \
  Auth__BootstrapAdmin__Password=bench-password-1 Auth__AccessTokenMinutes=120 \
  RateLimits__Dashboard__PermitsPerMinute=2000000000 RateLimits__Admin__PermitsPerMinute=1000 \
  ConnectionStrings__Postgres="$cs" Orleans__ClusterId="$db" Orleans__ServiceId="$db" \
  Orleans__SiloPort=$silo_port Orleans__GatewayPort=$gateway_port ASPNETCORE_ENVIRONMENT=Production
quiet='Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware=Warning' # not a shell name: passed with env
env ASPNETCORE_URLS="http://127.0.0.1:$silo_http" "$quiet" dotnet "$silo_dll" >"$work/silo.log" 2>&1 &
silo=$!
base="http://127.0.0.1:$api_port"
env ASPNETCORE_URLS="$base" "$quiet" dotnet "$api_dll" >"$work/api.log" 2>&1 &
api=$!
for _ in $(seq 1 240); do curl -sf "$base/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "$base/health/ready" >/dev/null || { echo "API did not become ready:"; tail -20 "$work/api.log"; exit 1; }
token=$(curl -sf -XPOST "$base/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"bench","password":"bench-password-1"}' | sed -E 's/.*"accessToken":"([^"]+)".*/\1/')

cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
backends_cpu_ms() {
  local total=0 pid
  for pid in $(psql_db "$db" -At -c "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"); do
    total=$((total + $(cpu_ms "$pid")))
  done
  echo "$total"
}

echo "generating $rounds CSV files of $rows one-minute bars"
for r in $(seq 1 "$rounds"); do
  dotnet "$api_dll" candles generate --symbol "SYN$r" --bars "$rows" --seed "$r" --out "$work/syn$r.csv" 2>/dev/null
done
csv_mb=$(awk -v b="$(stat -c %s "$work/syn1.csv")" 'BEGIN { printf "%.1f", b / 1048576 }')

# One untimed import first (a 100,000-row file of its own series): the timed rounds then measure the import, not the
# JIT compiling it (the first import of a fresh process took 1.5-2x as long as the next ones).
dotnet "$api_dll" candles generate --symbol WARM --bars 100000 --seed 99 --out "$work/warm.csv" 2>/dev/null
curl -sf -o /dev/null -XPOST "$base/v1/candles/import" -H "authorization: Bearer $token" -H 'content-type: text/csv' \
  --data-binary @"$work/warm.csv" || { echo "warm-up import failed"; exit 1; }
echo "import: endpoint vs psql \\copy"
import_rows=(); copy_rows=(); import_api_cpu=(); import_pg_cpu=()
for r in $(seq 1 "$rounds"); do
  a0=$(cpu_ms "$api"); p0=$(backends_cpu_ms)
  t=$(curl -sf -o "$work/import$r.json" -w '%{time_total}' -XPOST "$base/v1/candles/import" \
    -H "authorization: Bearer $token" -H 'content-type: text/csv' --data-binary @"$work/syn$r.csv")
  a1=$(cpu_ms "$api"); p1=$(backends_cpu_ms)
  imported=$(sed -E 's/.*"imported":([0-9]+).*/\1/' "$work/import$r.json")
  [ "$imported" = "$rows" ] || { echo "round $r imported $imported of $rows: $(head -c 300 "$work/import$r.json")"; exit 1; }
  import_rows+=("$(awk -v n="$rows" -v t="$t" 'BEGIN { printf "%.0f", n / t }')")
  import_api_cpu+=("$((a1 - a0))"); import_pg_cpu+=("$((p1 - p0))")
  echo "  round $r endpoint: ${import_rows[-1]} rows/s (${t} s; API CPU $((a1 - a0)) ms, Postgres CPU $((p1 - p0)) ms)"

  # Baseline: PostgreSQL's own text COPY of the same file into a temp table, then the same plain INSERT … SELECT.
  sed "s/^SYN$r,/CPY$r,/" "$work/syn$r.csv" >"$work/copy$r.csv"
  t0=$(date +%s.%N)
  psql_db "$db" >/dev/null <<SQL
BEGIN;
CREATE TEMP TABLE candles_import (LIKE candles) ON COMMIT DROP;
\copy candles_import (symbol, timeframe, time, open, high, low, close, volume) FROM '$work/copy$r.csv' WITH (FORMAT csv, HEADER true)
INSERT INTO candle_series (symbol, timeframe) SELECT DISTINCT symbol, timeframe FROM candles_import ON CONFLICT DO NOTHING;
INSERT INTO candle_bars SELECT s.id, i.time, i.open, i.high, i.low, i.close, i.volume
FROM candles_import i JOIN candle_series s ON s.symbol = i.symbol AND s.timeframe = i.timeframe;
COMMIT;
SQL
  t1=$(date +%s.%N)
  copy_rows+=("$(awk -v n="$rows" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }')")
  echo "  round $r psql \\copy: ${copy_rows[-1]} rows/s"
done

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
psql_db "$db" -c "VACUUM ANALYZE candle_series, candle_bars" >/dev/null

# ---- GET: wrk with a random 'from' per request (Lua), alternating with the bare endpoint --------------------------
cat >"$work/candles.lua" <<LUA
math.randomseed(42)
request = function()
  local t = os.date("!%Y-%m-%dT%H:%M:%SZ", 1704067200 + math.random(0, $rows - 1000) * 60)
  return wrk.format("GET", "/v1/candles?symbol=SYN1&timeframe=1m&limit=1000&from=" .. t)
end
LUA
cat >"$work/hours.lua" <<LUA
math.randomseed(7)
request = function()
  local t = os.date("!%Y-%m-%dT%H:00:00Z", 1704067200 + math.random(0, math.floor($rows / 60) - 1000) * 3600)
  return wrk.format("GET", "/v1/candles?symbol=SYN1&timeframe=1h&limit=1000&from=" .. t)
end
LUA
# one wrk run -> "rps p50_ms p99_ms requests errors"
measure() {
  local script=() auth=()
  [ -n "${3:-}" ] && script=(-s "$3")
  [ "${4:-}" = auth ] && auth=(-H "Authorization: Bearer $token")
  wrk -t"$(( $2 < threads ? $2 : threads ))" -c"$2" -d"${1}s" --latency "${auth[@]}" "${script[@]}" "$base${5:-/}" | awk '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /Requests\/sec/ { rps=$2 }
    /requests in/ { n=$1 }
    /^ +50%/ { p50=ms($2) }  /^ +99%/ { p99=ms($2) }
    /Non-2xx|Socket errors/ { err=err $0 ";" }
    END { printf "%.0f %.3f %.3f %d %s\n", rps, p50, p99, n, (err=="" ? "none" : err) }'
}
check=$(curl -sf "$base/v1/candles?symbol=SYN1&timeframe=1m&limit=1000&from=2024-01-05T00:00:00Z" -H "authorization: Bearer $token" | grep -o '"time"' | wc -l)
[ "$check" = 1000 ] || { echo "GET returned $check bars, not 1000"; exit 1; }
echo "warming up (JIT tiering)"; for _ in 1 2; do measure 5 "$connections" "$work/candles.lua" auth >/dev/null; measure 3 "$connections" "" "" /health >/dev/null; done
measure 5 1 "$work/hours.lua" auth >/dev/null
declare -A rps p50 p99 errs
for name in candles bare; do rps[$name]=""; p50[$name]=""; p99[$name]=""; errs[$name]=""; done
get_requests=0; get_api_cpu=0; get_silo_cpu=0; get_pg_cpu=0
for r in $(seq 1 "$rounds"); do
  a0=$(cpu_ms "$api"); s0=$(cpu_ms "$silo"); p0=$(backends_cpu_ms)
  read -r a b c n d < <(measure "$duration" "$connections" "$work/candles.lua" auth)
  a1=$(cpu_ms "$api"); s1=$(cpu_ms "$silo"); p1=$(backends_cpu_ms)
  get_requests=$((get_requests + n)); get_api_cpu=$((get_api_cpu + a1 - a0)); get_silo_cpu=$((get_silo_cpu + s1 - s0)); get_pg_cpu=$((get_pg_cpu + p1 - p0))
  rps[candles]+="$a "; p50[candles]+="$b "; p99[candles]+="$c "; [ "$d" = none ] || errs[candles]+="$d "
  echo "  round $r candles: $a req/s, p50 $b ms, p99 $c ms, errors $d"
  read -r a b c n d < <(measure "$duration" "$connections" "" "" /health)
  rps[bare]+="$a "; p50[bare]+="$b "; p99[bare]+="$c "; [ "$d" = none ] || errs[bare]+="$d "
  echo "  round $r bare: $a req/s, p50 $b ms, p99 $c ms, errors $d"
done
per_request() { awk -v c="$1" -v n="$get_requests" 'BEGIN { printf "%.2f", (n > 0 ? c / n : 0) }'; }
get_cpu="API $(per_request $get_api_cpu) ms + silo $(per_request $get_silo_cpu) ms + Postgres $(per_request $get_pg_cpu) ms"
echo "  CPU per candles request: $get_cpu"
for name in candles bare; do
  rps[$name]=$(median ${rps[$name]}); p50[$name]=$(median ${p50[$name]}); p99[$name]=$(median ${p99[$name]})
done
read -r single_rps single_p50 single_p99 _ single_err < <(measure "$duration" 1 "$work/candles.lua" auth)
read -r hours_rps hours_p50 hours_p99 _ hours_err < <(measure "$duration" 1 "$work/hours.lua" auth)
echo "  1 connection: $single_rps req/s, p50 $single_p50 ms, p99 $single_p99 ms; 1h aggregated: p50 $hours_p50 ms, p99 $hours_p99 ms"

elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
pg_version=$(psql_db postgres -At -c "SELECT split_part(version(), ' on ', 1)")
bytes_per_response=$(curl -sf "$base/v1/candles?symbol=SYN1&timeframe=1m&limit=1000&from=2024-01-05T00:00:00Z" -H "authorization: Bearer $token" | wc -c)

section="$work/section.md"
{
  echo "## Candles"
  echo
  echo "Produced by \`benchmarks/candles.sh --rows $rows --rounds $rounds --duration $duration --connections $connections\` on $(date -u +%Y-%m-%d), ${elapsed} s in all."
  echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --version) SDK, Release build; $pg_version on the same machine (loopback)."
  echo "**Load:** the machine is shared with other engineers' builds and tests; load average (1/5/15 min) was $load_before before the run and"
  echo "$load_after after it, on 2 cores. Wall times stretch with that load; the CPU columns (this process and the Postgres backends, read"
  echo "from /proc) show what the work itself costs and are the figures to compare across runs."
  echo
  echo "### HTTP: one API node and one silo in cluster mode, Postgres candle store"
  echo
  echo "Import: \`curl --data-binary @syn.csv\` of a $rows-row CSV ($csv_mb MB, \`candles generate\`, a new symbol each round) to"
  echo "\`POST /v1/candles/import\`, timed by curl (upload, parse, binary COPY straight into \`candle_bars\`: a new series is appended, commit, answer),"
  echo "after one untimed 100,000-row import (JIT warm-up). Postgres runs with \`wal_buffers=$(psql_db "$db" -Atc 'SHOW wal_buffers')\`. Baseline, same rounds:"
  echo "\`psql \\copy\` of the same file (PostgreSQL's own CSV parser) into a temp table, then \`INSERT … SELECT\` numbering the series and joining its number, no C# at all."
  echo
  echo "| what | rounds (rows/s) | median rows/s | API CPU per round | Postgres CPU per round |"
  echo "|---|---|---|---|---|"
  echo "| **\`POST /v1/candles/import\`** | ${import_rows[*]} | **$(median "${import_rows[@]}")** | ${import_api_cpu[*]} ms | ${import_pg_cpu[*]} ms |"
  echo "| baseline: \`psql \\copy\` + \`INSERT … SELECT\` | ${copy_rows[*]} | $(median "${copy_rows[@]}") | | |"
  echo
  echo "Read: \`GET /v1/candles?symbol=SYN1&timeframe=1m&limit=1000&from=<random minute>\` (wrk + Lua, a different \`from\` each request,"
  echo "$bytes_per_response bytes of JSON each) with a bearer token (JWT, user-grain admission, rate budget), vs the same node's bare \`GET /health\`"
  echo "(no token), $connections connections, $threads wrk threads, ${duration} s per round, $rounds alternating rounds, medians. Request log lines off."
  echo
  echo "| endpoint | req/s | p50 | p99 | errors |"
  echo "|---|---|---|---|---|"
  echo "| **\`GET /v1/candles\`**, 1,000 stored \`1m\` bars, $connections connections | ${rps[candles]} | ${p50[candles]} ms | **${p99[candles]} ms** | ${errs[candles]:-none} |"
  echo "| baseline: bare \`GET /health\`, $connections connections | ${rps[bare]} | ${p50[bare]} ms | ${p99[bare]} ms | ${errs[bare]:-none} |"
  echo "| \`GET /v1/candles\`, 1,000 stored \`1m\` bars, 1 connection | $single_rps | $single_p50 ms | $single_p99 ms | $single_err |"
  echo "| \`GET /v1/candles\`, 1,000 \`1h\` bars aggregated in SQL from 60,000 \`1m\` bars, 1 connection | $hours_rps | $hours_p50 ms | $hours_p99 ms | $hours_err |"
  echo
  echo "CPU per \`GET /v1/candles\` request ($connections connections, all rounds, from /proc): $get_cpu (the silo answers the"
  echo "user-grain admission check of every request). The store-level table below shows the query alone."
  echo
  echo "### Store level"
  echo
  echo "\`dotnet run -c Release --project benchmarks/TradingPlatform.Benchmarks -- candles --rows $rows\` (\`CandleBench.cs\`): the stores"
  echo "called directly in one process, on a fresh database."
  echo
  cat "$work/store.md"
} >"$section"

doc=docs/benchmarks.md
[ -f "$doc" ] || printf '# Benchmarks\n' >"$doc"
# Replace "## Candles" up to the next "## " heading (or the end), or append it; keep everything else.
awk -v section="$section" '
  function emit() { while ((getline line < section) > 0) print line; close(section); done = 1 }
  /^## Candles[[:space:]]*$/ { if (!done) { if (NR > 1 && prev != "") print ""; emit() } skipping = 1; next }
  skipping && /^## / { skipping = 0; print "" }
  !skipping { print; prev = $0 }
  END { if (!done) { if (prev != "") print ""; emit() } }
' "$doc" >"$doc.tmp"
mv "$doc.tmp" "$doc"
echo "wrote the Candles section of $doc"
