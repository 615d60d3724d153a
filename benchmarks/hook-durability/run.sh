#!/usr/bin/env bash
# Hook requests acknowledged per second: the example app on the in-memory store and on SQLite (synchronous=FULL), same load,
# same machine, one after the other. Usage: benchmarks/hook-durability/run.sh [seconds=20] [connections=32] [flow=tutorial|trigger]
# PROVIDERS picks the stores (default "InMemory Sqlite"); also PostgreSql (store and queue in PostgreSQL), and "+RabbitMQ"
# after a store (Sqlite+RabbitMQ, PostgreSql+RabbitMQ) queues on RabbitMQ. PostgreSQL runs get a database of their own, created
# and dropped with psql, on the server of FLOWS_BENCH_POSTGRES (default Host=127.0.0.1;Port=5432;Username=postgres;Password=flows).
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-20}
CONNECTIONS=${2:-32}
FLOW=${3:-tutorial}
KEY='bench-key'
AUTH="Authorization: Bearer $KEY"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

dotnet build -c Release examples/PetstoreWebhook -v q -nologo >/dev/null
OUT=$PWD/examples/PetstoreWebhook/bin/Release/net10.0
DATA=$(mktemp -d)
# Everything to undo at the end (the data folder, virtual hosts, databases), run once on exit.
CLEANUP="rm -rf '$DATA'"
trap 'eval "$CLEANUP"' EXIT
PG=${FLOWS_BENCH_POSTGRES:-Host=127.0.0.1;Port=5432;Username=postgres;Password=flows}
# psql from the Npgsql-style connection string: Host, Port, Username and Password (other keys are left to the app).
pg_value() { tr ';' '\n' <<<"$PG" | grep -i "^$1=" | head -n 1 | cut -d '=' -f 2-; }
pg_psql() { PGPASSWORD=$(pg_value Password) psql -X -q -v ON_ERROR_STOP=1 -h "$(pg_value Host)" -p "$(pg_value Port | grep . || echo 5432)" -U "$(pg_value Username)" -d postgres "$@"; }
id() { grep -o '"id":"[^"]*"' | head -n 1 | cut -d '"' -f 4; }

# The run log capped and pruned every second on both stores, so neither process grows during the run; RUNLOG_ARGS= (empty)
# runs both with the product's defaults (in-memory run log pruned every 10 minutes).
RUNLOG_ARGS=${RUNLOG_ARGS---WebhookFlows:RunLogMaxCountPerFlow=1000 --WebhookFlows:RunLogPruneInterval=00:00:01}
PORT=5398
for PROVIDER in ${PROVIDERS:-InMemory Sqlite}; do
  PORT=$((PORT + 1))
  # A provider "Sqlite+RabbitMQ" keeps the store and queues on RabbitMQ (RABBITMQ_URI, default the local broker's / vhost).
  STORE=${PROVIDER%%+*}; QUEUE_ARGS=
  if [[ $PROVIDER == *+RabbitMQ ]]; then
    if [ -z "${RABBITMQ_URI:-}" ]; then
      # A virtual host of its own, deleted at the end (needs rabbitmqctl, as CI has).
      VHOST=flows_bench_$$
      rabbitmqctl add_vhost $VHOST >/dev/null && rabbitmqctl set_permissions -p $VHOST guest '.*' '.*' '.*' >/dev/null
      CLEANUP="$CLEANUP; rabbitmqctl delete_vhost $VHOST >/dev/null 2>&1"
    fi
    QUEUE_ARGS="--Queue:Provider=RabbitMQ --Queue:RabbitMQ:Uri=${RABBITMQ_URI:-amqp://guest:guest@127.0.0.1:5672/$VHOST} ${RABBITMQ_ARGS:-}"
  fi
  STORE_ARGS=
  if [ "$STORE" = PostgreSql ]; then
    # A database of its own, dropped at the end (FORCE: the app's pooled connections may still be closing).
    PGDB=flows_bench_$$_$PORT
    command -v psql >/dev/null || { echo "psql is needed: apt-get install -y postgresql-client" >&2; exit 1; }
    pg_psql -c "CREATE DATABASE $PGDB;" >/dev/null
    CLEANUP="$CLEANUP; pg_psql -c 'DROP DATABASE IF EXISTS $PGDB WITH (FORCE);' >/dev/null 2>&1"
    STORE_ARGS="--Storage:PostgreSql:ConnectionString=$PG;Database=$PGDB"
  fi
  # Run from its output folder, so its appsettings.json (with the development encryption key) is read.
  (cd "$OUT" && exec dotnet PetstoreWebhook.dll --urls "http://127.0.0.1:$PORT" --Storage:Provider=$STORE --Storage:Sqlite:Path="$DATA/$PROVIDER.db" --Storage:Sqlite:Synchronous=${SYNCHRONOUS:-Full} \
    --Management:ApiKey=$KEY --Tutorial:Seed=false --Logging:LogLevel:Default=Warning $RUNLOG_ARGS ${STORE_ARGS:+"$STORE_ARGS"} $QUEUE_ARGS) >"$DATA/$PROVIDER.log" 2>&1 &
  APP=$!
  BASE=http://127.0.0.1:$PORT
  for _ in $(seq 300); do curl -sf -H "$AUTH" $BASE/api/flows >/dev/null && break; sleep 0.1; done
  curl -sf -H "$AUTH" $BASE/api/flows >/dev/null || { echo "$PROVIDER did not start:"; cat "$DATA/$PROVIDER.log"; exit 1; }
  HOOK=$(curl -s -X POST $BASE/api/credentials -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"name": "No Auth", "componentId": "webhook", "fields": {"type": "none"}}' | id)
  PET=$(curl -s -X POST $BASE/api/credentials -H "$AUTH" -H 'Content-Type: application/json' \
    -d '{"name": "Petstore key", "componentId": "petstore", "fields": {"apiKey": "secret"}}' | id)
  TRIGGER='{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "'$HOOK'",
     "sample": {"format": "json", "data": "{\"petname\": \"Gromit\", \"petstatus\": \"sold\"}"}}'
  ACTION='{"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "'$PET'",
     "mapping": {"name": "petname", "status": "petstatus"}}'
  if [ "$FLOW" = trigger ]; then STEPS="[$TRIGGER]"; else STEPS="[$TRIGGER, $ACTION]"; fi
  FLOW_ID=$(curl -s -X POST $BASE/api/flows -H "$AUTH" -H 'Content-Type: application/json' -d '{"name": "bench", "steps": '"$STEPS"'}' | id)
  curl -sf -X POST $BASE/api/flows/$FLOW_ID/publish -H "$AUTH" >/dev/null
  curl -sf -X POST $BASE/api/flows/$FLOW_ID/start -H "$AUTH" >/dev/null
  wrk -t2 -c$CONNECTIONS -d5s -s benchmarks/hook-durability/post.lua $BASE/hook/$FLOW_ID >/dev/null   # warm-up
  sleep 2
  echo "== $PROVIDER ($FLOW flow, $CONNECTIONS connections, ${DURATION}s)"
  wrk -t2 -c$CONNECTIONS -d${DURATION}s --latency -s benchmarks/hook-durability/post.lua $BASE/hook/$FLOW_ID
  kill $APP; wait $APP 2>/dev/null || true
  sleep 1
done
