#!/usr/bin/env bash
# The TOTP step of a login through HTTP (POST /mfa/challenge with a right code), on SQLite and on
# PostgreSQL: steps per second with the server pinned to core 0 and the load generator to core 1, and
# p50/p99 latency. USERS users (default 400) are invited with the CLI; the example `bench totp` sets each
# one up (app, finish, logout) and passes the password step three times, then measures the three codes
# per user (steps T-1, T, T+1: each step is accepted once per user). Password hashing is not part of
# what is measured, so the server runs with cheap argon2 (8 MiB, 1 iteration) to make that setup fast.
# Before measuring, each backend waits (up to a minute) for the start of a fresh 30-s step, so that the
# measured part stays within one step. About 2 minutes in all with the defaults.
# See bench/second-step.sh for the machinery (PostgreSQL: 127.0.0.1:5432, database portcullis_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS="${USERS:-400}"
PORT="${PORT:-18090}"
source bench/second-step.sh
run_both "TOTP step" totp "http://127.0.0.1:$PORT"
