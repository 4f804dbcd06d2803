#!/usr/bin/env bash
# The customer-service console's search on 100,000 users (issue 6): `portcullis dev seed` fills a fresh
# database (USERS users in ORGS organizations), a customer-service user is invited and set up, and the
# example `bench search` sends QUERIES searches (a mix of email, name and organization prefixes, and
# one that finds nothing) with CONCURRENCY workers; server on core 0, load on core 1. On SQLite, then on
# a fresh PostgreSQL database portcullis_bench (127.0.0.1:5432, trust auth). Talks only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-100000}"
ORGS="${ORGS:-1000}"
QUERIES="${QUERIES:-2000}"
CONCURRENCY="${CONCURRENCY:-4}"
PORT="${PORT:-18091}"
PASSWORD="harbour crane tulip 88"
cargo build --release --quiet --bin portcullis --example bench
bin="$PWD/target/release/portcullis"
bench="$PWD/target/release/examples/bench"
work=$(mktemp -d)
server_pid=""
stop_server() { [ -n "$server_pid" ] && { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=""; }; return 0; }
trap 'stop_server; rm -rf "$work"' EXIT
export PORTCULLIS_LISTEN="127.0.0.1:$PORT" PORTCULLIS_PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn
export PORTCULLIS_ARGON2_MEMORY_KIB=8192 PORTCULLIS_ARGON2_ITERATIONS=1

run_one() {
  local backend=$1
  echo "== search on $backend: $USERS users in $ORGS organizations; $QUERIES searches by $CONCURRENCY workers"
  local t0=$(date +%s.%N)
  "$bin" dev seed --users "$USERS" --orgs "$ORGS"
  echo "seeding took $(echo "$(date +%s.%N) - $t0" | bc) s"
  link=$("$bin" support invite --email "bench@support.example" --json | sed -n 's/.*"link": *"\([^"]*\)".*/\1/p')
  taskset -c 0 "$bin" serve > "$work/server-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  taskset -c 1 "$bench" search --url "http://127.0.0.1:$PORT" --link "$link" --password "$PASSWORD" \
    --queries "$QUERIES" --concurrency "$CONCURRENCY"
  stop_server
}

export PORTCULLIS_DATA_DIR="$work/sqlite"
run_one SQLite

export PORTCULLIS_DATA_DIR="$work/postgres" PORTCULLIS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/portcullis_bench"
pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS portcullis_bench WITH (FORCE)" -c "CREATE DATABASE portcullis_bench"
run_one PostgreSQL
