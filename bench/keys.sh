#!/usr/bin/env bash
# The security-key step of a login through HTTP (POST /mfa/challenge/key/start, the key signs, POST
# /mfa/challenge/key), on SQLite and on PostgreSQL: steps per second with the server pinned to core 0
# and the load generator (with its software keys) to core 1, and p50/p99 latency of the two requests.
# USERS users (default 300) are invited with the CLI; the example `bench keys` registers a software
# FIDO2 key for each (webauthn-authenticator-rs), finishes, logs out and passes the password step three
# times, then measures the three key steps per user. Password hashing is not part of what is measured,
# so the server runs with cheap argon2 (8 MiB, 1 iteration) to make that setup fast. About a minute.
# See bench/second-step.sh for the machinery (PostgreSQL: 127.0.0.1:5432, database portcullis_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-300}"
PORT="${PORT:-18091}"
source bench/second-step.sh
# The keys answer for the browser origin http://localhost:PORT (the relying party is "localhost");
# the load generator connects to 127.0.0.1 directly.
run_both "security-key step" keys "http://localhost:$PORT" --origin "http://localhost:$PORT"
