#!/usr/bin/env bash
# Hook receive end to end against a bare Kestrel endpoint that only reads the body, under the same wrk load on the same
# machine, one after the other, the app on the PRODUCT'S DEFAULTS (run log cap 10,000 per flow, pruned every 10 minutes):
#   bare      benchmarks/BareKestrel
#   hook      in-memory store, trigger-only flow
#   tutorial  in-memory store, the tutorial's flow (trigger + "Create a Pet With Promise" over HTTP to the stand-in Petstore)
#   sqlite    SQLite store (a fresh file), trigger-only flow
# Each app's resident memory (RSS) is read at the end of its load.
# Usage: benchmarks/hook-throughput/run.sh [seconds=20] [connections=32] [phases="bare hook tutorial sqlite"]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
CONNECTIONS=${2:-32}
PHASES=${3:-"bare hook tutorial sqlite"}
KEY='bench-key'
AUTH="Authorization: Bearer $KEY"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
dotnet build -c Release benchmarks/BareKestrel -v q -nologo >/dev/null
dotnet build -c Release examples/PetstoreWebhook -v q -nologo >/dev/null
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"; kill $(jobs -p) 2>/dev/null || true' EXIT
id() { grep -o '"id":"[^"]*"' | head -n 1 | cut -d '"' -f 4; }
rss() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
echo "load average at start: $(cut -d ' ' -f 1-3 /proc/loadavg)"

run() { # name url pid
  wrk -t2 -c"$CONNECTIONS" -d5s -s benchmarks/hook-throughput/post.lua "$2" >/dev/null   # warm-up
  sleep 1
  echo "== $1 ($CONNECTIONS connections, ${DURATION}s)"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benchmarks/hook-throughput/post.lua "$2" | tee "$LOGS/$1.txt"
  echo "$(rss "$3")" >"$LOGS/$1.rss"
  echo "RSS at the end: $(cat "$LOGS/$1.rss") MiB; load average: $(cut -d ' ' -f 1-3 /proc/loadavg)"
}

start_app() { # port, extra arguments...
  local port=$1; shift
  (cd examples/PetstoreWebhook/bin/Release/net10.0 && exec dotnet PetstoreWebhook.dll --urls "http://127.0.0.1:$port" \
    --Management:ApiKey=$KEY --Logging:LogLevel:Default=Warning "$@") >"$LOGS/app-$port.log" 2>&1 &
  APP=$!
  BASE=http://127.0.0.1:$port
  for _ in $(seq 600); do curl -sf -H "$AUTH" "$BASE/api/flows" >/dev/null && return; sleep 0.1; done
  echo "the app did not start:" >&2; cat "$LOGS/app-$port.log" >&2; exit 1
}

trigger_only_flow() {
  FLOW=$(curl -s -X POST "$BASE/api/flows" -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"name": "bench", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}' | id)
  curl -sf -X POST "$BASE/api/flows/$FLOW/publish" -H "$AUTH" >/dev/null
  curl -sf -X POST "$BASE/api/flows/$FLOW/start" -H "$AUTH" >/dev/null
}

stop_app() { kill "$APP"; wait "$APP" 2>/dev/null || true; }

for phase in $PHASES; do
  case $phase in
    bare)
      (cd benchmarks/BareKestrel/bin/Release/net10.0 && exec dotnet BareKestrel.dll --urls http://127.0.0.1:5391) >"$LOGS/bare.log" 2>&1 &
      BARE=$!
      for _ in $(seq 300); do curl -sf -X POST http://127.0.0.1:5391/bare -d '{}' >/dev/null && break; sleep 0.1; done
      run bare http://127.0.0.1:5391/bare $BARE
      kill $BARE; wait $BARE 2>/dev/null || true ;;
    hook)
      start_app 5392 --Storage:Provider=InMemory --Tutorial:Seed=false
      trigger_only_flow
      run hook "$BASE/hook/$FLOW" $APP
      stop_app ;;
    tutorial)
      # The seeded tutorial flow (the only flow): its second step creates each pet in the stand-in Petstore over HTTP.
      start_app 5393 --Storage:Provider=InMemory --Tutorial:Seed=true
      FLOW=$(curl -s -H "$AUTH" "$BASE/api/flows" | id)
      run tutorial "$BASE/hook/$FLOW" $APP
      stop_app ;;
    sqlite)
      start_app 5394 --Storage:Provider=Sqlite --Storage:Sqlite:Path="$LOGS/flows.db" --Tutorial:Seed=false
      trigger_only_flow
      run sqlite "$BASE/hook/$FLOW" $APP
      stop_app ;;
  esac
done

rps() { [ -f "$LOGS/$1.txt" ] && grep 'Requests/sec' "$LOGS/$1.txt" | awk '{print $2}' || echo 0; }
echo
echo "== summary (same run; load average now: $(cut -d ' ' -f 1-3 /proc/loadavg))"
for phase in $PHASES; do
  printf '%-9s %10.0f requests/s   RSS %5s MiB\n' "$phase" "$(rps "$phase")" "$(cat "$LOGS/$phase.rss" 2>/dev/null || echo -)"
done
bare=$(rps bare); hook=$(rps hook); sqlite=$(rps sqlite)
awk -v b="$bare" -v h="$hook" -v s="$sqlite" 'BEGIN {
  if (b > 0 && h > 0) printf "hook / bare Kestrel = %.0f%%\n", 100 * h / b;
  if (h > 0 && s > 0) printf "sqlite / in-memory hook = %.0f%%\n", 100 * s / h }'
