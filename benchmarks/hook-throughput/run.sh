#!/usr/bin/env bash
# Hook receive end to end (auth none + parse + enqueue, in-memory store) against a bare Kestrel endpoint that only reads the
# body, under the same wrk load on the same machine, one after the other.
# Usage: benchmarks/hook-throughput/run.sh [seconds=20] [connections=32]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
CONNECTIONS=${2:-32}
KEY='bench-key'
AUTH="Authorization: Bearer $KEY"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
dotnet build -c Release benchmarks/BareKestrel -v q -nologo >/dev/null
dotnet build -c Release examples/PetstoreWebhook -v q -nologo >/dev/null
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"; kill $(jobs -p) 2>/dev/null || true' EXIT
id() { grep -o '"id":"[^"]*"' | head -n 1 | cut -d '"' -f 4; }

run() { # name url
  wrk -t2 -c"$CONNECTIONS" -d5s -s benchmarks/hook-throughput/post.lua "$2" >/dev/null   # warm-up
  sleep 1
  echo "== $1 ($CONNECTIONS connections, ${DURATION}s)"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benchmarks/hook-throughput/post.lua "$2" | tee "$LOGS/$1.txt"
}

(cd benchmarks/BareKestrel/bin/Release/net10.0 && exec dotnet BareKestrel.dll --urls http://127.0.0.1:5391) >"$LOGS/bare.log" 2>&1 &
BARE=$!
for _ in $(seq 300); do curl -sf -X POST http://127.0.0.1:5391/bare -d '{}' >/dev/null && break; sleep 0.1; done
run bare http://127.0.0.1:5391/bare
kill $BARE; wait $BARE 2>/dev/null || true

OUT=examples/PetstoreWebhook/bin/Release/net10.0
(cd "$OUT" && exec dotnet PetstoreWebhook.dll --urls http://127.0.0.1:5392 --Storage:Provider=InMemory --Management:ApiKey=$KEY \
  --Tutorial:Seed=false --Logging:LogLevel:Default=Warning --WebhookFlows:RunLogMaxCountPerFlow=1000 --WebhookFlows:RunLogPruneInterval=00:00:01) >"$LOGS/hook.log" 2>&1 &
APP=$!
BASE=http://127.0.0.1:5392
for _ in $(seq 300); do curl -sf -H "$AUTH" $BASE/api/flows >/dev/null && break; sleep 0.1; done
FLOW=$(curl -s -X POST $BASE/api/flows -H "$AUTH" -H 'Content-Type: application/json' \
  -d '{"name": "bench", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}' | id)
curl -sf -X POST $BASE/api/flows/$FLOW/publish -H "$AUTH" >/dev/null
curl -sf -X POST $BASE/api/flows/$FLOW/start -H "$AUTH" >/dev/null
run hook $BASE/hook/$FLOW
kill $APP; wait $APP 2>/dev/null || true

bare=$(grep 'Requests/sec' "$LOGS/bare.txt" | awk '{print $2}')
hook=$(grep 'Requests/sec' "$LOGS/hook.txt" | awk '{print $2}')
awk -v b="$bare" -v h="$hook" 'BEGIN { printf "hook / bare Kestrel = %.0f / %.0f requests/s = %.0f%%\n", h, b, 100 * h / b }'
