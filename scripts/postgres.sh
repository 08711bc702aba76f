#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks: Debian's
# PostgreSQL binaries, a data directory under DIR, a free loopback port,
# trust authentication on 127.0.0.1 only. Nothing is installed system-wide
# and no system cluster is touched.
#
#   scripts/postgres.sh start DIR   # prints the postgres:// URL of database "colloquy"
#   scripts/postgres.sh stop DIR    # stops it and removes its data
#
# Installs Debian's `postgresql` package when its binaries are missing.
# PostgreSQL refuses to run as root; as root the cluster belongs to the
# `postgres` user the package creates, and its data lives in a directory
# of its own under /tmp (DIR may sit in a folder only root can enter; DIR
# records where).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$(realpath -m "$2")

bin=""
for candidate in /usr/lib/postgresql/*/bin; do
  [ -x "$candidate/pg_ctl" ] && bin=$candidate
done
if [ -z "$bin" ]; then
  echo "== installing postgresql (Debian package) for the PostgreSQL tests" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && bin=$candidate
  done
fi
[ -n "$bin" ] || { echo "no PostgreSQL binaries found" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $action in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
      data=$(mktemp -d /tmp/colloquy-pg.XXXXXX)
      chmod 755 "$data"
      chown postgres: "$data"
    else
      data=$dir/data
      mkdir -p "$data"
    fi
    echo "$data" >"$dir/datadir"
    if [ ! -f "$data/db/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data/db" -U postgres --auth=trust \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data' -c fsync=on" \
      start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE DATABASE colloquy" postgres >/dev/null
    echo "$port" >"$dir/port"
    echo "postgres://postgres@127.0.0.1:$port/colloquy"
    ;;
  stop)
    [ -f "$dir/datadir" ] || exit 0
    data=$(cat "$dir/datadir")
    if [ -f "$data/db/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$data/db" -m fast -w stop >/dev/null
    fi
    cp "$data/server.log" "$dir/server.log" 2>/dev/null || true
    rm -rf "$data" "$dir/datadir"
    ;;
  *) usage ;;
esac
