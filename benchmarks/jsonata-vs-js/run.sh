#!/usr/bin/env bash
# Our JSONata engine against the reference (npm jsonata 2.x on Node) on the mappings in mappings.json.
# Installs the npm package if missing, builds Release, then runs both sides interleaved (ours, theirs, theirs, ours, ...
# per mapping) and prints one table with the ratios, the tutorial ratio, the geometric mean over the mixed set and the
# compile times. Exits non-zero when a mapping gives different results in the two engines.
#
#   benchmarks/jsonata-vs-js/run.sh [--rounds 7] [--round-ms 200] [--warmup-ms 500] [--only tutorial,map-100]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [ ! -f "$here/node_modules/jsonata/package.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

dotnet build -c Release "$repo/benchmarks/Flows.Sdk.Benchmarks" -v q -nologo 1>&2

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'); node $(node --version); dotnet SDK $(dotnet --version)"
exec dotnet "$repo/benchmarks/Flows.Sdk.Benchmarks/bin/Release/net10.0/Flows.Sdk.Benchmarks.dll" \
  jsonata-compare "$here/mappings.json" "$@"
