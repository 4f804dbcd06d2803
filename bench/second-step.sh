# Shared by bench/totp.sh and bench/keys.sh (sourced, from the repository root): the second step of a
# login measured through HTTP, once on SQLite and once on a fresh PostgreSQL database.
#
# run_both LABEL SCENARIO PUBLIC_URL [ARGS…]: invites USERS users with the CLI, starts `portcullis serve`
# pinned to core 0 with PUBLIC_URL, runs `bench SCENARIO --url … --invites … --password …
# --concurrency … ARGS…` pinned to core 1, stops the server; for each backend. The server runs with
# cheap argon2 (8 MiB, 1 iteration): the password step is set-up, not what is measured.
# PostgreSQL must answer on 127.0.0.1:5432 with trust auth for the user postgres (the local cluster is
# started if it is down); the database portcullis_bench is dropped and created anew.
# Talks only to 127.0.0.1; every loop is bounded.
USERS="${USERS:-300}"
CONCURRENCY="${CONCURRENCY:-8}"
PORT="${PORT:-18090}"
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
export PORTCULLIS_LISTEN="127.0.0.1:$PORT" RUST_LOG=warn
export PORTCULLIS_ARGON2_MEMORY_KIB=8192 PORTCULLIS_ARGON2_ITERATIONS=1

# One backend: PORTCULLIS_DATA_DIR (and for PostgreSQL PORTCULLIS_DATABASE_URL) are set by the caller,
# for the CLI and the server alike (they share the database and master.key).
run_one() {
  local backend=$1 label=$2 scenario=$3
  shift 3
  echo "== $label through HTTP on $backend: server on core 0, load on core 1, $USERS users, $CONCURRENCY workers"
  : > "$work/invites.jsonl"
  for i in $(seq 1 "$USERS"); do
    "$bin" user invite --email "$scenario$i@example.com" --json >> "$work/invites.jsonl"
  done
  taskset -c 0 "$bin" serve > "$work/server-$backend.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null || { cat "$work/server-$backend.log"; exit 1; }
  taskset -c 1 "$bench" "$scenario" --url "http://127.0.0.1:$PORT" --invites "$work/invites.jsonl" \
    --password "$PASSWORD" --concurrency "$CONCURRENCY" "$@"
  stop_server
}

run_both() {
  local label=$1 scenario=$2
  export PORTCULLIS_PUBLIC_URL=$3
  shift 3
  export PORTCULLIS_DATA_DIR="$work/sqlite"
  run_one SQLite "$label" "$scenario" "$@"

  export PORTCULLIS_DATA_DIR="$work/postgres" \
    PORTCULLIS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/portcullis_bench"
  pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  PGOPTIONS="--client-min-messages=warning" psql -q -h 127.0.0.1 -U postgres \
    -c "DROP DATABASE IF EXISTS portcullis_bench WITH (FORCE)" -c "CREATE DATABASE portcullis_bench"
  run_one PostgreSQL "$label" "$scenario" "$@"
}
