#!/usr/bin/env bash
# Vendors TradingView Lightweight Charts into the dashboard (src/Api/wwwroot/vendor/lightweight-charts-<version>/):
# the standalone ES module build, its LICENSE and the NOTICE the license asks for. Run it to update, then change the
# version in src/Api/wwwroot/js/chart.js (the import path) and delete the old folder.
#   scripts/vendor-lightweight-charts.sh            # the registry's latest
#   scripts/vendor-lightweight-charts.sh 5.2.1      # a given version
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-$(npm view lightweight-charts version)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "lightweight-charts@$version" >/dev/null && tar xzf "lightweight-charts-$version.tgz")
target=src/Api/wwwroot/vendor/lightweight-charts-$version
mkdir -p "$target"
cp "$work/package/dist/lightweight-charts.standalone.production.mjs" "$target/"
cp "$work/package/LICENSE" "$target/LICENSE.txt"
# The npm package carries no NOTICE file; this is the one from github.com/tradingview/lightweight-charts.
printf 'TradingView Lightweight Charts\nCopyright (с) 2023 TradingView, Inc. https://www.tradingview.com/\n' > "$target/NOTICE.txt"
echo "vendored lightweight-charts $version into $target ($(sha256sum "$target/lightweight-charts.standalone.production.mjs" | cut -c1-16)…)"
