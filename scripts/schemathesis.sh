#!/usr/bin/env bash
# Schema fuzzing: schemathesis (from PyPI, in a venv) against a live debug
# server on a random 127.0.0.1 port, with a fresh database holding the
# demo posts, signed in as an admin (session cookie + CSRF token through
# schemathesis.toml). Every operation of /api/v1/openapi.json is fuzzed,
# moderator routes included; any 5xx or any answer the document does not
# describe fails the run.
#
# The operations that end the fuzzer's own session (logout, logout-all,
# an admin's changes to accounts, a password change) run last, each with
# a fresh sign-in, so that they cannot blind the rest of the run.
#
#   scripts/schemathesis.sh                # the CI run
#   MAX_EXAMPLES=100 scripts/schemathesis.sh
#
# The stateful phase is left out: the document declares no links, and the
# links schemathesis guesses send ids such as `None` into paths.
#
# Environment: MAX_EXAMPLES (30), SEED (1), SCHEMATHESIS_VENV
# (target/schemathesis-venv), KEEP=1 keeps the server's log and database.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES=${MAX_EXAMPLES:-30}
SEED=${SEED:-1}
VENV=${SCHEMATHESIS_VENV:-target/schemathesis-venv}

if [ ! -x "$VENV/bin/schemathesis" ]; then
  echo "== installing schemathesis into $VENV"
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$VENV"
    python3 -m venv "$VENV"
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4,<5'
fi
VENV=$(cd "$VENV" && pwd)

echo "== building the server"
cargo build --quiet --locked --bin colloquy
BIN=target/debug/colloquy

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP:-0}" = 1 ]; then
    echo "kept: $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

export COLLOQUY_DATABASE="$WORK/colloquy.db"
export COLLOQUY_BIND="127.0.0.1:0"
# The fuzzer sends far more than readers may; 429s would hide the rest.
export COLLOQUY_RATE_LIMIT__ENABLED=false
export COLLOQUY_LOG=${COLLOQUY_LOG:-warn}

PASSWORD="fuzz-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s' "$PASSWORD" | "$BIN" moderator add fuzzer --role admin --password-stdin >/dev/null

"$BIN" serve --demo >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 100); do
  BASE=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" | head -1 | sed 's/listening on //') || true
  [ -n "$BASE" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; exit 1; }
  sleep 0.1
done
[ -n "$BASE" ] || { echo "the server did not start"; cat "$WORK/server.log"; exit 1; }
echo "== server at $BASE"

# Signs in as $FUZZER; sets SESSION (the cookie's value) and CSRF for
# schemathesis.toml. A failed sign-in ends the run: every operation would
# only meet its 401.
FUZZER=fuzzer
sign_in() {
  local answer
  answer=$(python3 - "$BASE" "$FUZZER" "$PASSWORD" <<'PY'
import json, sys, urllib.request
base, username, password = sys.argv[1], sys.argv[2], sys.argv[3]
request = urllib.request.Request(
    base + "/api/v1/auth/login",
    data=json.dumps({"username": username, "password": password}).encode(),
    headers={"Content-Type": "application/json"},
)
with urllib.request.urlopen(request) as response:
    cookie = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    print(cookie, json.load(response)["csrf_token"])
PY
  ) || { echo "signing in as $FUZZER failed"; return 1; }
  export SESSION=${answer% *} CSRF=${answer#* }
}

ROOT=$(pwd)
run() {
  sign_in || return 1
  # From the temporary folder: schemathesis keeps its cache where it runs.
  (cd "$WORK" && "$VENV/bin/schemathesis" --config-file "$ROOT/schemathesis.toml" \
    run "$BASE/api/v1/openapi.json" \
    --checks all --max-examples "$MAX_EXAMPLES" --seed "$SEED" \
    --generation-database none --no-color \
    --phases examples,coverage,fuzzing "$@")
}

# What ends the fuzzer's session: run on its own, last, one at a time.
ENDS_SESSION=(
  "POST /api/v1/auth/logout"
  "POST /api/v1/auth/logout-all"
  "POST /api/v1/auth/password"
  "PATCH /api/v1/moderation/accounts/{id}"
  "POST /api/v1/moderation/accounts/{id}/password"
)

status=0
exclude=()
for op in "${ENDS_SESSION[@]}"; do
  exclude+=(--exclude-name "$op")
done
echo "== schemathesis: every operation but those that end the session"
run "${exclude[@]}" || status=1
# Each of them as an admin of its own: the one before may have disabled,
# demoted or re-keyed the account it ran as.
n=0
for op in "${ENDS_SESSION[@]}"; do
  n=$((n + 1))
  FUZZER="fuzzer-$n"
  printf '%s' "$PASSWORD" | "$BIN" moderator add "$FUZZER" --role admin --password-stdin >/dev/null
  echo "== schemathesis: $op"
  run --include-name "$op" || status=1
done

if grep -q 'panicked' "$WORK/server.log"; then
  echo "the server panicked:"
  grep -A5 'panicked' "$WORK/server.log"
  status=1
fi
exit $status
