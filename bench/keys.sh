#!/usr/bin/env bash
# The security-key step of a login through HTTP (POST /mfa/challenge/key/start, the key signs, POST
# /mfa/challenge/key), on SQLite and on PostgreSQL: steps per second with the server pinned to core 0
# and the load generator (with its software keys) to core 1, and p50/p99 latency of the two requests.
# USERS users (default 300) are invited with the CLI; the example `bench keys` registers a software
# FIDO2 key for each (webauthn-authenticator-rs), finishes, logs out and passes the password step three
# times, then measures the three key steps per user. Password hashing is not part of what is measured,
# so the server runs with cheap argon2 (8 MiB, 1 iteration) to make that setup fast. About a minute.
# PostgreSQL must answer on 127.0.0.1:5432 with trust auth for the user postgres (the local cluster is
# started if it is down); the database portcullis_bench is dropped and created anew.
# Talks only to 127.0.0.1; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-300}"
CONCURRENCY="${CONCURRENCY:-8}"
PORT="${PORT:-18091}"
PASSWORD="harbour crane tulip 88"

cargo build --release --quiet --bin portcullis --example bench
bin="$PWD/target/release/portcullis"
bench="$PWD/target/release/examples/bench"
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
# The keys answer for the browser origin http://localhost:PORT (the relying party is "localhost");
# the load generator connects to 127.0.0.1 directly.
export PORTCULLIS_LISTEN="127.0.0.1:$PORT" PORTCULLIS_PUBLIC_URL="http://localhost:$PORT" RUST_LOG=warn
export PORTCULLIS_ARGON2_MEMORY_KIB=8192 PORTCULLIS_ARGON2_ITERATIONS=1

run() {
  echo "== security-key step through HTTP on $1: server on core 0, load on core 1, $USERS users, $CONCURRENCY workers"
  : > "$work/invites.jsonl"
  for i in $(seq 1 "$USERS"); do
    "$bin" user invite --email "key$i@example.com" --json >> "$work/invites.jsonl"
  done
  taskset -c 0 "$bin" serve > "$work/server-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$work/server-$1.log"; exit 1; }
  taskset -c 1 "$bench" keys --url "http://127.0.0.1:$PORT" --origin "http://localhost:$PORT" \
    --invites "$work/invites.jsonl" --password "$PASSWORD" --concurrency "$CONCURRENCY"
  stop_server
}

export PORTCULLIS_DATA_DIR="$work/sqlite"
run SQLite

export PORTCULLIS_DATA_DIR="$work/postgres" \
  PORTCULLIS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/portcullis_bench"
pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
PGOPTIONS="--client-min-messages=warning" psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS portcullis_bench WITH (FORCE)" \
  -c "CREATE DATABASE portcullis_bench"
run PostgreSQL
