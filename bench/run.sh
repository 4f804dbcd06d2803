#!/usr/bin/env bash
# Reproduces the figures in BENCHMARKS.md: start-up time and idle memory on SQLite, and password-login
# throughput next to the raw argon2 hash rate measured in the same run (before and after the load, on
# the same core), with the server pinned to core 0 and the load generator to core 1.
# Talks only to 127.0.0.1; every loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${SECONDS_PER_RUN:-20}"
CONCURRENCY="${CONCURRENCY:-4}"
PORT="${PORT:-18080}"
PASSWORD="harbour crane tulip 88"

cargo build --release --quiet --bin portcullis --example bench
bin="$PWD/target/release/portcullis"
bench="$PWD/target/release/examples/bench"
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

echo "== start-up and idle memory (SQLite; the first run creates the database, not counted)"
"$bench" startup --bin "$bin" --dir "$work" --runs 1 >/dev/null
"$bench" startup --bin "$bin" --dir "$work" --runs 11

echo "== password logins through HTTP: server on core 0, load on core 1, $CONCURRENCY users in parallel"
export PORTCULLIS_LISTEN="127.0.0.1:$PORT" PORTCULLIS_PUBLIC_URL="http://127.0.0.1:$PORT" RUST_LOG=warn
emails=()
for i in $(seq 1 "$CONCURRENCY"); do
  emails+=("bench$i@example.com")
  (cd "$work" && "$bin" user invite --email "bench$i@example.com" --json) > "$work/invite$i.json"
done
(cd "$work" && exec taskset -c 0 "$bin" serve > "$work/server.log" 2>&1) &
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
server_pid=$(pgrep -f "$bin serve" | head -n 1)
for i in $(seq 1 "$CONCURRENCY"); do
  "$bench" accept --link "$(sed 's/.*"link":"\([^"]*\)".*/\1/' "$work/invite$i.json")" --password "$PASSWORD"
done
echo "raw argon2id (m=19 MiB, t=2, p=1) on core 0, before:"
taskset -c 0 "$bench" hash-rate --seconds "$((SECONDS_PER_RUN / 2))"
taskset -c 1 "$bench" logins --url "http://127.0.0.1:$PORT" --emails "$(IFS=,; echo "${emails[*]}")" \
  --password "$PASSWORD" --seconds "$SECONDS_PER_RUN" --concurrency "$CONCURRENCY"
echo "raw argon2id on core 0, after:"
taskset -c 0 "$bench" hash-rate --seconds "$((SECONDS_PER_RUN / 2))"
echo "server peak RSS (VmHWM) after the load: $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' /proc/$server_pid/status)"
echo "server RSS now: $(awk '/VmRSS/ {printf "%.1f MiB", $2/1024}' /proc/$server_pid/status)"
