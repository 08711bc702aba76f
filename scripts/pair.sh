#!/usr/bin/env bash
# A load-balanced pair on one machine (docs/scaling.md, "A load-balanced
# pair"): a throwaway PostgreSQL cluster (scripts/postgres.sh), two
# `colloquy serve` processes on it and HAProxy in front, all on loopback
# ports. Readers and moderators use the balancer's URL; either instance
# may die and the other serves everything.
#
#   scripts/pair.sh start DIR   # prints the balancer's URL; all state under DIR
#   scripts/pair.sh stop DIR    # stops HAProxy, both instances, PostgreSQL
#   scripts/pair.sh run DIR     # start, then stop on Ctrl-C or SIGTERM
#
# DIR afterwards holds: url (the balancer), a.pid/b.pid and a.url/b.url
# (the instances), haproxy.pid, haproxy.cfg, the logs, and pg/ (the
# cluster; pg.url is its URL). PAIR_DATABASE=postgres://… puts the pair on
# that database instead of a new cluster (`stop` then leaves it alone; the
# benchmark uses it for a database filled by copy-db). BIN=/path/colloquy
# runs that binary (else a
# release build of this checkout is made and used). Any COLLOQUY_*
# variable set when starting reaches both instances (for example
# COLLOQUY_RATE_LIMIT__ENABLED=false for a load test from one address).
# Every process runs in a process group of its own and is stopped by its
# PID, never by name.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: $0 start|stop|run DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")
haproxy=${HAPROXY:-/usr/sbin/haproxy}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for URL: until it answers 200, at most 30 s.
wait_for() {
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "pair.sh: $1 did not answer" >&2
  return 1
}

# stop_pid FILE: ends the process whose PID FILE holds (SIGTERM, then
# SIGKILL after 5 s) and removes FILE.
stop_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$file"
}

stop() {
  stop_pid "$dir/haproxy.pid"
  stop_pid "$dir/a.pid"
  stop_pid "$dir/b.pid"
  "$root/scripts/postgres.sh" stop "$dir/pg"
}

# instance NAME PORT: one `colloquy serve` on the cluster, behind the
# balancer (which it trusts for X-Forwarded-For, so that rate limits and
# bans see each reader's own address).
instance() {
  local name=$1 port=$2
  COLLOQUY_DATABASE=$(cat "$dir/pg.url") COLLOQUY_BIND="127.0.0.1:$port" \
    COLLOQUY_TRUSTED_PROXIES=127.0.0.1/32 COLLOQUY_PUBLIC_URL="$(cat "$dir/url")" \
    setsid "$bin" serve >"$dir/$name.out" 2>"$dir/$name.log" </dev/null &
  echo $! >"$dir/$name.pid"
  echo "http://127.0.0.1:$port" >"$dir/$name.url"
}

# The balancer. Health checks every 500 ms on /healthz (200 while the
# instance's database answers); two failures take an instance out, two
# successes bring it back. A request whose connection to an instance
# fails is tried again (`retries`), on the other instance (`option
# redispatch 1`): nothing had reached the dead one. A request already
# sent to an instance that dies is not resent — a submission may have
# been committed — and gets a 502: its sender did not get a 202, so it
# was not acknowledged. Each answer names the instance that gave it.
write_config() {
  local port=$1 a=$2 b=$3
  cat >"$dir/haproxy.cfg" <<CFG
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 5s
    retries 3
    option redispatch 1
    retry-on conn-failure
    option forwardfor

frontend readers_and_moderators
    bind 127.0.0.1:$port
    default_backend colloquy

backend colloquy
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 2
    http-response set-header X-Colloquy-Instance %s
    server a 127.0.0.1:$a
    server b 127.0.0.1:$b
CFG
  "$haproxy" -c -q -f "$dir/haproxy.cfg"
}

start() {
  [ -x "$haproxy" ] || { echo "pair.sh: $haproxy is missing (Debian: apt-get install haproxy)" >&2; exit 1; }
  if [ -z "${BIN:-}" ]; then
    (cd "$root" && cargo build --release --locked --quiet --bin colloquy)
    bin=${CARGO_TARGET_DIR:-$root/target}/release/colloquy
  else
    bin=$BIN
  fi
  mkdir -p "$dir"
  if [ -n "${PAIR_DATABASE:-}" ]; then
    echo "$PAIR_DATABASE" >"$dir/pg.url"
  else
    "$root/scripts/postgres.sh" start "$dir/pg" >"$dir/pg.url"
  fi
  local port a b
  port=$(free_port); a=$(free_port); b=$(free_port)
  echo "http://127.0.0.1:$port" >"$dir/url"
  # Migrate once before both start (they would take turns anyway).
  COLLOQUY_DATABASE=$(cat "$dir/pg.url") "$bin" migrate >/dev/null
  instance a "$a"
  instance b "$b"
  wait_for "http://127.0.0.1:$a/healthz"
  wait_for "http://127.0.0.1:$b/healthz"
  write_config "$port" "$a" "$b"
  setsid "$haproxy" -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 </dev/null &
  echo $! >"$dir/haproxy.pid"
  wait_for "http://127.0.0.1:$port/healthz"
  cat "$dir/url"
}

case $action in
  start)
    start || { stop; exit 1; }
    ;;
  stop) stop ;;
  run)
    start || { stop; exit 1; }
    trap 'stop; exit 0' INT TERM
    echo "pair.sh: serving; Ctrl-C stops everything" >&2
    while sleep 1; do :; done
    ;;
  *) usage ;;
esac
