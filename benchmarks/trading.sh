#!/usr/bin/env bash
# Trading-core benchmark, run on demand (never in the test suite): a real silo in one process,
#   orders      sustained PlaceOrder -> fill journaled -> position updated (orders/s, latency),
#   killswitch  global Engage latency with 1,000 live strategies,
# in embedded mode (memory journal) and Postgres mode (durable journal, group commit).
# Writes (or replaces) the section "## Trading core" of docs/benchmarks.md; other sections stay as they are.
#
#   benchmarks/trading.sh [--duration 10] [--concurrency 64,256] [--postgres <connection string>] [other options of the app]
#
# Postgres: --postgres, else $TRADING_BENCH_POSTGRES, else the private server of scripts/postgres.sh
# (127.0.0.1:55432, started if nothing answers there). Each scenario gets its own bench_* database, dropped afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

project=benchmarks/TradingPlatform.Benchmarks
default_pg="Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres"
pg=${TRADING_BENCH_POSTGRES:-$default_pg}
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --postgres) pg=$2; shift 2 ;;
    --mode|--scenario|--output) echo "trading.sh always runs --mode both --scenario all; run the app directly for less" >&2; exit 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

if [ "$pg" = "$default_pg" ] && ! (exec 3<>/dev/tcp/127.0.0.1/55432) 2>/dev/null; then
  scripts/postgres.sh start
fi

dotnet build "$project" -c Release -v q -nologo >/dev/null

report=$(mktemp)
section=$(mktemp)
trap 'rm -f "$report" "$section"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
TRADING_BENCH_POSTGRES="$pg" dotnet "$project/bin/Release/net10.0/TradingPlatform.Benchmarks.dll" \
  --mode both --scenario all "${args[@]}" --output "$report" >/dev/null
elapsed=$(( $(date +%s) - started ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
shown_args=${args[*]:-}
{
  echo "## Trading core"
  echo
  echo "Produced by \`benchmarks/trading.sh${shown_args:+ $shown_args}\` on $(date -u +%Y-%m-%d), which runs"
  echo "\`dotnet run -c Release --project $project -- --mode both --scenario all${shown_args:+ $shown_args}\`"
  echo "(the built app, with \`--output\`), ${elapsed} s in all."
  echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/Mem:/ {print $2}') GiB, $(dotnet --version) SDK, Release build, server GC."
  echo "PostgreSQL on the same machine (loopback; version and durability settings below). Silo, callers and database share the $(nproc) cores;"
  echo "load average (1/5/15 min) was $load_before before the run and $load_after after it: other work on the machine"
  echo "takes cores away, so compare *CPU per order* (processor time of the benchmark process per order) across runs more than orders/s."
  echo
  echo "The app hosts a real silo in-process, composed like the hosts (\`UseTradingCluster\`, and \`AddTradingDatabase\` before"
  echo "Orleans in Postgres mode, on a fresh \`bench_*\` database per scenario), and calls the grains through the silo's own client."
  echo
  cat "$report"
} > "$section"

doc=docs/benchmarks.md
mkdir -p docs
[ -f "$doc" ] || printf '# Benchmarks\n' > "$doc"
# Replace "## Trading core" up to the next "## " heading (or the end), or append it; keep everything else.
awk -v section="$section" '
  function emit() { while ((getline line < section) > 0) print line; close(section); done = 1 }
  /^## Trading core[[:space:]]*$/ { if (!done) { if (NR > 1 && prev != "") print ""; emit() } skipping = 1; next }
  skipping && /^## / { skipping = 0; print "" }
  !skipping { print; prev = $0 }
  END { if (!done) { if (prev != "") print ""; emit() } }
' "$doc" > "$doc.tmp"
mv "$doc.tmp" "$doc"
echo "wrote the Trading core section of $doc"
