#!/usr/bin/env bash
# The OpenID Connect provider through HTTP (issue 7), on SQLite (BACKEND=sqlite, the default) or on a
# fresh local PostgreSQL database (BACKEND=postgres): code exchange, refresh with rotation,
# client_credentials, and the whole login for a service next to the raw argon2 hash rate. The server is
# pinned to core 0 and the load generator (crates/server/examples/bench.rs) to core 1; each scenario is
# run REPEAT times (default 3) against one server with the default argon2 parameters (m = 19 MiB, t = 2).
# Each repetition invites fresh users with the CLI (a TOTP step is accepted once per user).
# Talks only to 127.0.0.1; every loop is bounded. About 5 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND="${BACKEND:-sqlite}"
REPEAT="${REPEAT:-3}"
CONCURRENCY="${CONCURRENCY:-8}"
LOGIN_CONCURRENCY="${LOGIN_CONCURRENCY:-4}"
SECONDS_PER_RUN="${SECONDS_PER_RUN:-10}"
CODES="${CODES:-8000}"
FAMILIES="${FAMILIES:-400}"
USERS="${USERS:-600}"
PORT="${PORT:-18100}"
PASSWORD="harbour crane tulip 88"

target="${CARGO_TARGET_DIR:-$PWD/target}"
cargo build --release --quiet --bin portcullis --example bench
bin="$target/release/portcullis"
bench="$target/release/examples/bench"
work=$(mktemp -d)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
export PORTCULLIS_LISTEN="127.0.0.1:$PORT" PORTCULLIS_PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn
export PORTCULLIS_DATA_DIR="$work/data"
if [ "$BACKEND" = postgres ]; then
  export PORTCULLIS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/portcullis_bench_oidc"
  PGOPTIONS="--client-min-messages=warning" psql -q -h 127.0.0.1 -U postgres \
    -c "DROP DATABASE IF EXISTS portcullis_bench_oidc WITH (FORCE)" -c "CREATE DATABASE portcullis_bench_oidc"
fi

# The server's CPU time so far, in clock ticks (user + system), and a scenario's share of core 0.
ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
busy() {
  local before=$1 started=$2
  awk -v t="$(( $(ticks) - before ))" -v hz="$(getconf CLK_TCK)" -v s="$started" -v e="$(date +%s.%N)" \
    'BEGIN {printf "server core 0 busy: %.0f %%\n", 100 * t / hz / (e - s)}'
}

# USERS invitations (JSON lines) into FILE, emails PREFIX1… .
invite() {
  local file=$1 prefix=$2 count=$3
  : > "$file"
  for i in $(seq 1 "$count"); do
    "$bin" user invite --email "$prefix$i@example.com" --json >> "$file"
  done
}

# The service: a confidential client with one scope of its own (for client_credentials).
"$bin" client add --name "Bench service" --redirect-uri https://service.example/callback \
  --scopes "openid profile email org offline_access bench:read" --json > "$work/client.json"
client_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_id"])' < "$work/client.json")
client_secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["client_secret"])' < "$work/client.json")
service=(--url "http://127.0.0.1:$PORT" --client-id "$client_id" --client-secret "$client_secret")

taskset -c 0 "$bin" serve > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$work/server.log"; exit 1; }
echo "== OpenID Connect on $BACKEND: server on core 0, load on core 1"

for run in $(seq 1 "$REPEAT"); do
  echo "-- run $run: code exchange ($CODES codes, $CONCURRENCY workers)"
  invite "$work/code.jsonl" "code$run-" "$CONCURRENCY"
  t0=$(ticks) s0=$(date +%s.%N)
  taskset -c 1 "$bench" oidc-code "${service[@]}" --invites "$work/code.jsonl" --password "$PASSWORD" \
    --codes "$CODES" --concurrency "$CONCURRENCY"
  busy "$t0" "$s0"
  echo "-- run $run: refresh with rotation ($FAMILIES families, ${SECONDS_PER_RUN} s, $CONCURRENCY workers)"
  invite "$work/refresh.jsonl" "refresh$run-" "$CONCURRENCY"
  t0=$(ticks) s0=$(date +%s.%N)
  taskset -c 1 "$bench" oidc-refresh "${service[@]}" --invites "$work/refresh.jsonl" --password "$PASSWORD" \
    --families "$FAMILIES" --seconds "$SECONDS_PER_RUN" --concurrency "$CONCURRENCY"
  busy "$t0" "$s0"
  echo "-- run $run: client_credentials (${SECONDS_PER_RUN} s, $CONCURRENCY workers)"
  t0=$(ticks) s0=$(date +%s.%N)
  taskset -c 1 "$bench" oidc-client-credentials "${service[@]}" --seconds "$SECONDS_PER_RUN" \
    --concurrency "$CONCURRENCY"
  busy "$t0" "$s0"
done

for run in $(seq 1 "$REPEAT"); do
  echo "-- run $run: whole login for a service ($USERS users, $LOGIN_CONCURRENCY workers)"
  invite "$work/login.jsonl" "login$run-" "$USERS"
  echo "raw argon2id (m=19 MiB, t=2, p=1) on core 0, before:"
  taskset -c 0 "$bench" hash-rate --seconds 5
  t0=$(ticks) s0=$(date +%s.%N)
  taskset -c 1 "$bench" oidc-login "${service[@]}" --invites "$work/login.jsonl" --password "$PASSWORD" \
    --concurrency "$LOGIN_CONCURRENCY"
  busy "$t0" "$s0"
  echo "raw argon2id on core 0, after:"
  taskset -c 0 "$bench" hash-rate --seconds 5
done
echo "server peak RSS (VmHWM): $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$server_pid/status)"
