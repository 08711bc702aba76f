#!/usr/bin/env bash
# Durability: nothing acknowledged is ever lost, even to kill -9.
#
#  1. Starts the server on a fresh database (rate limits off), fires
#     SUBMISSIONS comments over CONNECTIONS connections, and kill -9s it
#     once KILL_AFTER of them have been answered 202.
#  2. Restarts it and proves every acknowledged comment is in the file and
#     PRAGMA integrity_check says ok.
#  3. Fires concurrent approve/reject decisions (signed in, CSRF) on those
#     comments, kill -9s the server mid-stream, restarts it, and proves
#     every decision answered 200 is the comment's status and has its
#     moderation-log entry.
# Exits non-zero on any loss. Traffic goes to 127.0.0.1 only.
#
# Environment: SUBMISSIONS (4000), CONNECTIONS (64), KILL_AFTER (1500),
# DECISIONS (2000), DECISION_KILL_AFTER (600), PROFILE (debug|release).
set -euo pipefail
cd "$(dirname "$0")/.."

SUBMISSIONS=${SUBMISSIONS:-4000}
CONNECTIONS=${CONNECTIONS:-64}
KILL_AFTER=${KILL_AFTER:-1500}
DECISIONS=${DECISIONS:-2000}
DECISION_KILL_AFTER=${DECISION_KILL_AFTER:-600}
PROFILE=${PROFILE:-debug}
PY=${PYTHON:-python3}
HELPER=scripts/durability_load.py

echo "== building colloquy ($PROFILE)"
if [ "$PROFILE" = release ]; then
  cargo build --release --bin colloquy
else
  cargo build --bin colloquy
fi
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
BIN="$TARGET_DIR/$PROFILE/colloquy"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/colloquy-durability.XXXXXX")
DB="$WORK/durability.db"
SERVER_PID=""
LOAD_PID=""

cleanup() {
  # Only the processes this script started, by their PIDs.
  if [ -n "$LOAD_PID" ]; then kill "$LOAD_PID" 2>/dev/null || true; fi
  if [ -n "$SERVER_PID" ]; then kill -9 "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

export COLLOQUY_DATABASE="$DB"
export COLLOQUY_BIND=127.0.0.1:0
export COLLOQUY_RATE_LIMIT__ENABLED=false
export COLLOQUY_LOG=warn
unset COLLOQUY_CONFIG || true

# Starts the server in the background; sets SERVER_PID and ADDR.
start_server() {
  local log="$WORK/server-$1.log"
  "$BIN" serve --demo >"$log" 2>"$WORK/server-$1.err" &
  SERVER_PID=$!
  ADDR=""
  for _ in $(seq 1 300); do
    ADDR=$(sed -n 's/.*listening on http:\/\/\([^ ]*\).*/\1/p' "$log" | head -n 1)
    [ -n "$ADDR" ] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "the server exited:"; cat "$WORK/server-$1.err"; exit 1
    fi
    sleep 0.1
  done
  [ -n "$ADDR" ] || { echo "the server did not start"; exit 1; }
  curl -fsS "http://$ADDR/healthz" >/dev/null
  echo "server $1 (pid $SERVER_PID) listening on $ADDR"
}

# Waits until FILE has at least N lines (or the load ended), then kill -9s
# the server.
kill_after() {
  local file=$1 n=$2
  for _ in $(seq 1 1200); do
    local lines
    lines=$(wc -l <"$file" 2>/dev/null || echo 0)
    if [ "$lines" -ge "$n" ] || ! kill -0 "$LOAD_PID" 2>/dev/null; then
      break
    fi
    sleep 0.05
  done
  kill -9 "$SERVER_PID"
  wait "$SERVER_PID" 2>/dev/null || true
  echo "kill -9 $SERVER_PID after $(wc -l <"$file") acknowledgements"
  SERVER_PID=""
}

# The first moderator, for the decisions (demo posts come from --demo).
printf 'durability-password\n' |
  "$BIN" moderator add durability --role moderator --password-stdin >/dev/null

echo "== submissions: $SUBMISSIONS over $CONNECTIONS connections, kill -9 after $KILL_AFTER"
start_server 1
: >"$WORK/submitted.acks"
"$PY" "$HELPER" submit "$ADDR" prison-reform-dialogue "$SUBMISSIONS" "$CONNECTIONS" \
  "$WORK/submitted.acks" &
LOAD_PID=$!
kill_after "$WORK/submitted.acks" "$KILL_AFTER"
wait "$LOAD_PID"
LOAD_PID=""

start_server 2
"$PY" "$HELPER" check-submissions "$DB" "$WORK/submitted.acks"
ACKED=$(wc -l <"$WORK/submitted.acks")
if [ "$ACKED" -ge "$SUBMISSIONS" ]; then
  echo "every submission finished before the kill: not a mid-stream test"; exit 1
fi

echo "== decisions: up to $DECISIONS over $CONNECTIONS connections, kill -9 after $DECISION_KILL_AFTER"
head -n "$DECISIONS" "$WORK/submitted.acks" >"$WORK/to-decide"
: >"$WORK/decided.acks"
"$PY" "$HELPER" decide "$ADDR" durability durability-password "$WORK/to-decide" \
  "$CONNECTIONS" "$WORK/decided.acks" &
LOAD_PID=$!
kill_after "$WORK/decided.acks" "$DECISION_KILL_AFTER"
wait "$LOAD_PID"
LOAD_PID=""

start_server 3
"$PY" "$HELPER" check-decisions "$DB" "$WORK/decided.acks"
"$PY" "$HELPER" check-submissions "$DB" "$WORK/submitted.acks" >/dev/null
DECIDED=$(wc -l <"$WORK/decided.acks")
if [ "$DECIDED" -ge "$(wc -l <"$WORK/to-decide")" ]; then
  echo "every decision finished before the kill: not a mid-stream test"; exit 1
fi
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
echo "durability: ok (submissions acknowledged $ACKED, decisions acknowledged $DECIDED, lost 0)"
