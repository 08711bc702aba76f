#!/usr/bin/env bash
# The load benchmark: builds release, generates the data sets (small, and
# 1 M comments over 10 k posts), starts the server on each and measures it
# with wrk from the same machine, each figure beside the fixed-bytes
# ceiling measured in the same run.
#
#   scripts/bench.sh            # both data sets
#   SETS=small scripts/bench.sh # only the small one
#   DURATION=10 CONNECTIONS=32 scripts/bench.sh
#   PARTS=mail SETS=small scripts/bench.sh   # only the mail rows (issue 11)
#   PARTS=mail RUNS=5 ...                     # the mail rows five times over, with medians
#   PARTS=fsync BASELINE_BIN=/path/colloquy RUNS=5 ...
#                                  # plain submissions, that binary and this one alternately
#   PARTS=bare SETS=small ROUNDS=5 scripts/bench.sh  # only the warm thread
#                               # against the bare server, 5 alternating pairs
#   PARTS=pg SETS=small RUNS=3 scripts/bench.sh  # SQLite, PostgreSQL with one
#                               # instance and two behind HAProxy (issue 14)
#
# The read rows are set beside a bare actix-web server
# (examples/bare_ceiling.rs, on BARE_PORT) that serves the same thread's
# bytes and headers from memory, started in the same run; the thread's
# rows also say how much of the server's CPU time each response took.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SETS=${SETS:-"small large"}
PORT=${PORT:-18480}
BARE_PORT=${BARE_PORT:-$((PORT + 1))}
ROUNDS=${ROUNDS:-3}
PARTS=${PARTS:-"reads mail"}
SMTP_PORT=${SMTP_PORT:-18425}
work=${WORK:-$(mktemp -d)}

if ! command -v wrk >/dev/null; then
  echo "installing wrk"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null
fi

RUNS=${RUNS:-1}
BASELINE_BIN=${BASELINE_BIN:-}

# BIN=/path/colloquy (and SEED=/path/bench_seed, BARE=/path/bare_ceiling)
# measure binaries built before, without building.
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "${BIN:-}" ]; then cargo build --release --quiet --bin colloquy --example bench_seed --example bare_ceiling; fi
bin=${BIN:-$target/release/colloquy}
seed=${SEED:-$target/release/examples/bench_seed}
bare_bin=${BARE:-$target/release/examples/bare_ceiling}
base=http://127.0.0.1:$PORT
bare_base=http://127.0.0.1:$BARE_PORT

server=""
smtpd=""
bare=""
stop_bare() {
  if [ -n "$bare" ]; then kill "$bare" 2>/dev/null || true; wait "$bare" 2>/dev/null || true; bare=""; fi
}
stop_smtpd() {
  if [ -n "$smtpd" ]; then kill "$smtpd" 2>/dev/null || true; wait "$smtpd" 2>/dev/null || true; smtpd=""; fi
}
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; fi
}
stop_pg() {
  [ -d "$work/pair" ] && "$root/scripts/pair.sh" stop "$work/pair"
  [ -d "$work/pgcluster" ] && "$root/scripts/postgres.sh" stop "$work/pgcluster"
  return 0
}
trap 'stop_server; stop_smtpd; stop_bare; stop_pg; [ -z "${WORK:-}" ] && rm -rf "$work"' EXIT

# start_server DB [extra env...]: starts the server; sets $server (its pid)
# and $startup (its own figure for start-up, in ms).
start_server() {
  local db=$1; shift
  env COLLOQUY_DATABASE="$db" COLLOQUY_BIND="127.0.0.1:$PORT" \
    COLLOQUY_RATE_LIMIT__ENABLED=false COLLOQUY_BENCH_ROUTES=true COLLOQUY_LOG=info "$@" \
    "${SERVER_BIN:-$bin}" serve ${SERVER_ARGS:-} >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 200); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.05
  done
  startup=$(grep -o 'elapsed_ms=[0-9.]*' "$work/server.log" | head -1 | cut -d= -f2 || true)
}

rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$server/status"; }

# cpu_ticks PID...: user + system time the processes have used, in clock
# ticks, summed (a process gone meanwhile counts nothing).
cpu_ticks() {
  local p t=0
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$t"
}

# run [wrk args...]: prints "req/s p50 p99 non2xx"; with PID set (one
# PID or several), also the microseconds of CPU time those processes
# spent per response.
run() {
  local out before=0 after=0
  # shellcheck disable=SC2086 # PID may name several processes
  [ -n "${PID:-}" ] && before=$(cpu_ticks $PID)
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" 2>&1)
  # shellcheck disable=SC2086
  [ -n "${PID:-}" ] && after=$(cpu_ticks $PID)
  local rps p50 p99 bad requests cpu="-"
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  if [ -n "${PID:-}" ] && [ "${requests:-0}" -gt 0 ]; then
    cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')
  fi
  echo "$rps $p50 $p99 ${bad:-0} $cpu"
}

# start_bare DIR: the bare server over DIR/thread.json, DIR/thread.br and
# DIR/headers.txt (what Colloquy sent for the warm thread); sets $bare.
start_bare() {
  local dir=$1; shift
  env BARE_BIND="127.0.0.1:$BARE_PORT" BARE_IDENTITY="$dir/thread.json" \
    BARE_BROTLI="$dir/thread.br" BARE_HEADERS="$dir/headers.txt" "$@" \
    "$bare_bin" >"$work/bare.log" 2>&1 &
  bare=$!
  for _ in $(seq 200); do
    curl -fs -o /dev/null "$bare_base/api/v1/posts/bench-thread/comments" && break
    sleep 0.05
  done
}

# capture URL DIR: the thread's identity and brotli bodies and the
# headers of its identity answer, for the bare server.
capture() {
  local url=$1 dir=$2
  mkdir -p "$dir"
  curl -fs -D "$dir/headers.txt" -o "$dir/thread.json" "$url"
  curl -fs -H 'Accept-Encoding: br' -o "$dir/thread.br" "$url"
}

# median: the middle of the numbers on standard input.
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

# bare_rounds URL: ROUNDS alternating pairs (bare, then Colloquy) for the
# identity and the brotli body; a row per run, then medians and spread.
bare_rounds() {
  local url=$1 path=/api/v1/posts/bench-thread/comments
  echo
  echo "#### warm thread against the bare server ($ROUNDS alternating pairs)"
  echo
  echo "| round | coding | bare req/s | colloquy req/s | ratio | bare CPU µs/resp | colloquy CPU µs/resp |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  local ratios_id="" ratios_br="" r coding b c
  for r in $(seq "$ROUNDS"); do
    for coding in identity br; do
      local args=()
      [ "$coding" = br ] && args=(-H 'Accept-Encoding: br')
      b=$(PID=$bare run "${args[@]}" "$bare_base$path")
      c=$(PID=$server run "${args[@]}" "$url")
      read -r brps _ _ _ bcpu <<<"$b"
      read -r crps _ _ _ ccpu <<<"$c"
      local ratio
      ratio=$(awk -v a="$crps" -v b="$brps" 'BEGIN {printf "%.2f", a/b}')
      echo "| $r | $coding | $brps | $crps | $ratio | $bcpu | $ccpu |"
      if [ "$coding" = br ]; then ratios_br+="$ratio"$'\n'; else ratios_id+="$ratio"$'\n'; fi
    done
  done
  echo
  for coding in identity br; do
    local list=$ratios_id
    [ "$coding" = br ] && list=$ratios_br
    echo "$coding: median ratio $(printf '%s' "$list" | median), spread $(printf '%s' "$list" | sort -g | head -1)–$(printf '%s' "$list" | sort -g | tail -1)"
  done
}

row() { # label result ceiling_rps
  local label=$1 result=$2 ceiling=${3:-}
  read -r rps p50 p99 bad <<<"$result"
  local ratio="-"
  if [ -n "$ceiling" ]; then ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN {printf "%.2f", a/b}'); fi
  printf "| %-44s | %10s | %8s | %8s | %10s | %5s | %s |\n" "$label" "$rps" "$p50" "$p99" "${ceiling:--}" "$ratio" "$bad"
}
# read_row: as row, with the server's CPU time per response.
read_row() { # label result ceiling_rps
  local label=$1 result=$2 ceiling=${3:-}
  read -r rps p50 p99 bad cpu <<<"$result"
  local ratio="-"
  if [ -n "$ceiling" ]; then ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN {printf "%.2f", a/b}'); fi
  printf "| %-44s | %10s | %8s | %8s | %10s | %5s | %7s | %s |\n" "$label" "$rps" "$p50" "$p99" "${ceiling:--}" "$ratio" "${cpu:--}" "$bad"
}
read_header() { # title
  printf "| %-44s | %10s | %8s | %8s | %10s | %5s | %7s | %s |\n" "$1" "req/s" "p50" "p99" "ceiling" "ratio" "CPU µs" "non-2xx"
  printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..46})" "------------" "----------" "----------" "------------" "-------" "---------" "---------"
}

cat >"$work/submit.lua" <<'LUA'
local n = 0
local posts = tonumber(os.getenv("POSTS") or "100")
request = function()
  n = n + 1
  local slug = "p" .. math.random(0, posts - 1)
  local body = '{"author_name":"Load Tester","author_location":"Benchmark","body":"Comment ' .. n .. ' ' .. math.random(1, 1e9) .. ': a short remark about the post, with *emphasis*."}'
  return wrk.format("POST", "/api/v1/posts/" .. slug .. "/comments", {["Content-Type"] = "application/json"}, body)
end
LUA

# Submissions that ask to hear back, each from a new address: with mail
# on, each one also stores its subscriber, its token and its confirmation
# in the writer's transaction.
cat >"$work/submit-notify.lua" <<'LUA'
local n = 0
local posts = tonumber(os.getenv("POSTS") or "100")
local tag = math.random(1, 1e9)
request = function()
  n = n + 1
  local slug = "p" .. math.random(0, posts - 1)
  local body = '{"author_name":"Load Tester","email":"reader-' .. tag .. '-' .. n .. '@example.org","notify":true,"lang":"en","body":"Comment ' .. n .. ' ' .. math.random(1, 1e9) .. ': a short remark about the post, with *emphasis*."}'
  return wrk.format("POST", "/api/v1/posts/" .. slug .. "/comments", {["Content-Type"] = "application/json"}, body)
end
LUA

# fresh DB: a copy of the data set DB as run.db, without a WAL.
fresh() { cp "$1" "$work/run.db"; rm -f "$work/run.db-wal" "$work/run.db-shm"; }

# median of the numbers on standard input (one per line); "-" for none
median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
spread() { sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }

# submissions FILE: plain submissions (submit.lua) on a fresh copy of the
# data set and a fresh server, with SERVER_BIN / extra env as given.
submissions() {
  local script=$1; shift
  fresh "$db"
  start_server "$work/run.db" "$@"
  PID=$server POSTS=$posts run -s "$script" "$base"
  stop_server
}

# mail_rows DB POSTS: submissions asking to hear back, with mail off and
# with mail on (a real SMTP server, aiosmtpd, taking what the sender sends
# meanwhile), and plain submissions beside them, and a webhook row: what
# the outbox costs the write path (issue 11's target: at most 10 %). RUNS
# times over, the rows alternating, then the medians: single runs on a
# shared machine move by 20 %.
mail_rows() {
  if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get install -y -qq python3-aiosmtpd >/dev/null
  fi
  # One webhook on comment.submitted: an outbox row in every submission's
  # transaction. Its receiver is a closed port, so the sender's tries fail
  # at once and back off.
  cat >"$work/hook.toml" <<'TOML'
[[webhooks]]
url = "http://127.0.0.1:9/hook"
secret = "benchmark-secret-123"
events = ["comment.submitted"]
TOML
  echo
  echo "### mail: submissions with and without the outbox ($set set, $RUNS runs)"
  echo
  echo "| run | plain | one webhook | notify, mail off | notify, mail on | webhook/plain | mail on/off |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  local i plain hooked off on queued sent
  : >"$work/mail.runs"
  : >"$work/mail.cpu"
  for i in $(seq "$RUNS"); do
    plain=$(submissions "$work/submit.lua")
    hooked=$(SERVER_ARGS="--config $work/hook.toml" submissions "$work/submit.lua")
    off=$(submissions "$work/submit-notify.lua")
    /usr/bin/python3 -m aiosmtpd -n -l "127.0.0.1:$SMTP_PORT" -c aiosmtpd.handlers.Sink >/dev/null 2>&1 &
    smtpd=$!
    sleep 1
    fresh "$db"
    start_server "$work/run.db" COLLOQUY_MAIL__SMTP_URL="smtp://127.0.0.1:$SMTP_PORT"
    on=$(PID=$server POSTS=$posts run -s "$work/submit-notify.lua" "$base")
    queued=$(sqlite3 "$work/run.db" "SELECT count(*) FROM outbox" 2>/dev/null || echo "?")
    sent=$(sqlite3 "$work/run.db" "SELECT count(*) FROM outbox WHERE state = 'sent'" 2>/dev/null || echo "?")
    stop_server
    stop_smtpd
    echo "${plain%% *} ${hooked%% *} ${off%% *} ${on%% *}" >>"$work/mail.runs"
    # The servers' own CPU time per submission (field 5 of run's answer):
    # steadier than req/s on a shared machine, and it leaves out what the
    # load generator and the SMTP server spend.
    echo "$(cut -d' ' -f5 <<<"$plain") $(cut -d' ' -f5 <<<"$hooked") $(cut -d' ' -f5 <<<"$off") $(cut -d' ' -f5 <<<"$on")" >>"$work/mail.cpu"
    awk -v n="$i" '{printf "| %s | %s | %s | %s | %s | %.2f | %.2f |\n", n, $1, $2, $3, $4, $2/$1, $4/$3}' <<<"${plain%% *} ${hooked%% *} ${off%% *} ${on%% *}"
    echo "  (run $i: p99 plain ${plain#* * }, webhook ${hooked#* * }, off ${off#* * }, on ${on#* * }; mail on: $queued queued, $sent sent by the end)" >&2
  done
  local col m=()
  for col in 1 2 3 4; do m+=("$(awk -v c=$col '{print $c}' "$work/mail.runs" | median)"); done
  echo "| median | ${m[0]} | ${m[1]} | ${m[2]} | ${m[3]} | $(awk -v a="${m[1]}" -v b="${m[0]}" 'BEGIN {printf "%.2f", a/b}') | $(awk -v a="${m[3]}" -v b="${m[2]}" 'BEGIN {printf "%.2f", a/b}') |"
  echo
  echo "ratios, run by run: webhook/plain $(awk '{printf "%.2f\n", $2/$1}' "$work/mail.runs" | spread), mail on/off $(awk '{printf "%.2f\n", $4/$3}' "$work/mail.runs" | spread)"
  echo
  echo "server CPU µs per submission, run by run (plain, webhook, mail off, mail on): $(tr '\n' ';' <"$work/mail.cpu")"
  local c=()
  for col in 1 2 3 4; do c+=("$(awk -v c=$col '{print $c}' "$work/mail.cpu" | median)"); done
  echo "medians: plain ${c[0]}, webhook ${c[1]}, mail off ${c[2]}, mail on ${c[3]}; CPU ratios (less is dearer) webhook: $(awk -v a="${c[0]}" -v b="${c[1]}" 'BEGIN {printf "%.2f", a/b}'), mail on: $(awk -v a="${c[2]}" -v b="${c[3]}" 'BEGIN {printf "%.2f", a/b}')"
}

# fsync_rows: plain submissions with BASELINE_BIN and with this build,
# alternately, RUNS pairs: what a change to the write path costs.
fsync_rows() {
  [ -n "$BASELINE_BIN" ] || { echo "PARTS=fsync needs BASELINE_BIN=/path/to/colloquy"; exit 2; }
  echo
  echo "### plain submissions: baseline ($BASELINE_BIN) and this build ($bin), $RUNS pairs ($set set)"
  echo
  echo "| pair | baseline req/s | p99 | CPU µs | this build req/s | p99 | CPU µs | ratio |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  local i a b
  : >"$work/fsync.runs"
  : >"$work/fsync.cpu"
  for i in $(seq "$RUNS"); do
    a=$(SERVER_BIN=$BASELINE_BIN submissions "$work/submit.lua")
    b=$(submissions "$work/submit.lua")
    read -r ar _ a99 _ acpu <<<"$a"
    read -r br _ b99 _ bcpu <<<"$b"
    echo "$ar $br" >>"$work/fsync.runs"
    echo "$acpu $bcpu" >>"$work/fsync.cpu"
    echo "| $i | $ar | $a99 | $acpu | $br | $b99 | $bcpu | $(awk -v a="$br" -v b="$ar" 'BEGIN {printf "%.2f", a/b}') |"
  done
  echo
  echo "server CPU µs per submission, medians: baseline $(awk '{print $1}' "$work/fsync.cpu" | median), this build $(awk '{print $2}' "$work/fsync.cpu" | median)"
  local ma mb
  ma=$(awk '{print $1}' "$work/fsync.runs" | median)
  mb=$(awk '{print $2}' "$work/fsync.runs" | median)
  echo "| median | $ma | | $mb | | $(awk -v a="$mb" -v b="$ma" 'BEGIN {printf "%.2f", a/b}') |"
  echo
  echo "ratios, pair by pair: $(awk '{printf "%.2f\n", $2/$1}' "$work/fsync.runs" | spread); baseline $(awk '{print $1}' "$work/fsync.runs" | spread), this build $(awk '{print $2}' "$work/fsync.runs" | spread)"
}

# pg_ticks DATA: CPU ticks of the PostgreSQL cluster at DATA (the
# postmaster and its children: the backends, the WAL writer, …).
pg_ticks() {
  local pm
  pm=$(head -1 "$1/postmaster.pid")
  # shellcheck disable=SC2046
  cpu_ticks "$pm" $(ps -o pid= --ppid "$pm")
}

# per_response BEFORE AFTER RPS: microseconds of CPU per response.
per_response() {
  awk -v t=$(($2 - $1)) -v hz="$(getconf CLK_TCK)" -v n="$3" -v d="$DURATION" \
    'BEGIN {if (n > 0) printf "%.1f", t / hz * 1e6 / (n * d); else print "-"}'
}

# pg_measure URL [wrk args]: run's figures for the servers in $PID, then
# the CPU per response of PostgreSQL and of HAProxy ($HAPID, if any).
pg_measure() {
  local pb pa hb=0 ha=0 out rps
  pb=$(pg_ticks "$pg_data")
  [ -n "${HAPID:-}" ] && hb=$(cpu_ticks "$HAPID")
  out=$(run "$@")
  pa=$(pg_ticks "$pg_data")
  [ -n "${HAPID:-}" ] && ha=$(cpu_ticks "$HAPID")
  rps=${out%% *}
  local hcpu="-"
  [ -n "${HAPID:-}" ] && hcpu=$(per_response "$hb" "$ha" "$rps")
  echo "$out $(per_response "$pb" "$pa" "$rps") $hcpu"
}

# fresh_pg N: a new database run_N on the benchmark cluster holding a
# copy-db of the data set; prints its URL (and the copy's time on stderr).
fresh_pg() {
  local url=$pg_server/run_$1 started
  psql -q "$pg_server/postgres" -c "CREATE DATABASE run_$1" >/dev/null
  started=$(date +%s.%N)
  COLLOQUY_DATABASE="$db" "$bin" copy-db --to "$url" >"$work/copy.log"
  echo "  (copy-db of the $set set: $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}') s)" >&2
  echo "$url"
}

pg_row() { # run config what result
  local r=$1 config=$2 what=$3
  read -r rps p50 p99 bad cpu pgcpu hcpu <<<"$4"
  printf "| %s | %-28s | %-16s | %10s | %8s | %8s | %7s | %7s | %7s | %s |\n" \
    "$r" "$config" "$what" "$rps" "$p50" "$p99" "${cpu:--}" "${pgcpu:--}" "${hcpu:--}" "$bad"
  echo "$config|$what|$rps|$cpu|${pgcpu:--}|${hcpu:--}" >>"$work/pg.runs"
}

# pg_config RUN CONFIG: the warm thread and submissions on one server (or
# pair) with the cache on, then the cold thread on a new one with it off.
pg_config() {
  local r=$1 config=$2 cache url target thread_url
  for cache in true false; do
    case $config in
      sqlite)
        fresh "$db"
        start_server "$work/run.db" COLLOQUY_CACHE__ENABLED=$cache
        target=$base; PID=$server; HAPID="" ;;
      postgres)
        pg_n=$((pg_n + 1)); url=$(fresh_pg "$pg_n")
        start_server "$url" COLLOQUY_CACHE__ENABLED=$cache
        target=$base; PID=$server; HAPID="" ;;
      pair)
        pg_n=$((pg_n + 1)); url=$(fresh_pg "$pg_n")
        target=$(PAIR_DATABASE=$url BIN=$bin COLLOQUY_RATE_LIMIT__ENABLED=false \
          COLLOQUY_CACHE__ENABLED=$cache "$root/scripts/pair.sh" start "$work/pair")
        PID="$(cat "$work/pair/a.pid") $(cat "$work/pair/b.pid")"
        HAPID=$(cat "$work/pair/haproxy.pid") ;;
    esac
    thread_url=$target/api/v1/posts/bench-thread/comments
    local label=$config
    [ "$config" = sqlite ] && label="SQLite, one instance"
    [ "$config" = postgres ] && label="PostgreSQL, one instance"
    [ "$config" = pair ] && label="PostgreSQL, two + HAProxy"
    if [ "$cache" = true ]; then
      if [ "$config" = sqlite ]; then
        pg_row "$r" "$label" "thread, warm" "$(run "$thread_url") - -"
        pg_row "$r" "$label" "submissions" "$(POSTS=$posts run -s "$work/submit.lua" "$target") - -"
      else
        pg_row "$r" "$label" "thread, warm" "$(pg_measure "$thread_url")"
        pg_row "$r" "$label" "submissions" "$(POSTS=$posts pg_measure -s "$work/submit.lua" "$target")"
      fi
    else
      if [ "$config" = sqlite ]; then
        pg_row "$r" "$label" "thread, cold" "$(run "$thread_url") - -"
      else
        pg_row "$r" "$label" "thread, cold" "$(pg_measure "$thread_url")"
      fi
    fi
    if [ "$config" = pair ]; then "$root/scripts/pair.sh" stop "$work/pair"; else stop_server; fi
    PID=""; HAPID=""
  done
}

# pg_rows: SQLite, PostgreSQL with one instance, and two instances on one
# PostgreSQL database behind HAProxy (scripts/pair.sh), on the same data
# set (copied into PostgreSQL by copy-db): the warm and the cold thread
# and submissions, RUNS times over with the configurations alternating,
# then the medians. CPU µs: per response, of the Colloquy process(es), of
# the whole PostgreSQL cluster, of HAProxy.
pg_rows() {
  local cluster=$work/pgcluster
  pg_server=$("$root/scripts/postgres.sh" start "$cluster")
  pg_server=${pg_server%/colloquy}
  pg_data="$(cat "$cluster/datadir")/db"
  pg_n=0
  : >"$work/pg.runs"
  echo
  echo "### PostgreSQL beside SQLite ($set set, $RUNS runs; PostgreSQL $(psql -tA "$pg_server/postgres" -c 'SHOW server_version'), synchronous_commit on)"
  echo
  echo "| run | configuration | what | req/s | p50 | p99 | colloquy CPU µs | postgres CPU µs | haproxy CPU µs | non-2xx |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"
  local r config
  for r in $(seq "$RUNS"); do
    for config in sqlite postgres pair; do pg_config "$r" "$config"; done
  done
  echo
  echo "| medians | what | req/s | colloquy CPU µs | postgres CPU µs | haproxy CPU µs |"
  echo "|---|---|---:|---:|---:|---:|"
  local key
  while IFS= read -r key; do
    local rows
    rows=$(grep -F "$key|" "$work/pg.runs" | cut -d'|' -f3-)
    printf "| %s | %s | %s | %s | %s |\n" "${key//|/ | }" \
      "$(cut -d'|' -f1 <<<"$rows" | median)" \
      "$(cut -d'|' -f2 <<<"$rows" | grep -v -- '^-$' | median)" \
      "$(cut -d'|' -f3 <<<"$rows" | grep -v -- '^-$' | median)" \
      "$(cut -d'|' -f4 <<<"$rows" | grep -v -- '^-$' | median)"
  done < <(cut -d'|' -f1,2 "$work/pg.runs" | awk '!seen[$0]++')
  "$root/scripts/postgres.sh" stop "$cluster"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per row, on the same machine"

for set in $SETS; do
  case $set in
    small) posts=100; comments=2000 ;;
    large) posts=10000; comments=1000000 ;;
    *) echo "unknown set $set"; exit 2 ;;
  esac
  db=$work/$set.db
  if [ ! -f "$db" ]; then "$seed" "$db" "$posts" "$comments"; fi
  if [[ " $PARTS " == *" mail "* ]]; then mail_rows; fi
  if [[ " $PARTS " == *" fsync "* ]]; then fsync_rows; fi
  if [[ " $PARTS " == *" pg "* ]]; then pg_rows; fi
  [[ " $PARTS " == *" reads "* || " $PARTS " == *" bare "* ]] || continue
  cp "$db" "$work/run.db"
  rm -f "$work/run.db-wal" "$work/run.db-shm"
  start_server "$work/run.db"
  thread=$base/api/v1/posts/bench-thread/comments
  size=$(curl -fs "$thread" | wc -c)
  capture "$thread" "$work/bare"
  br_size=$(wc -c <"$work/bare/thread.br")
  stop_bare
  start_bare "$work/bare"
  if [[ " $PARTS " != *" reads "* ]]; then
    echo
    echo "### data set: $set (the 200-item thread: $size bytes, $br_size with brotli)"
    bare_rounds "$thread"
    stop_bare
    stop_server
    continue
  fi
  counts="$base/api/v1/counts?posts=$(seq -s, 0 19 | sed 's/\([0-9][0-9]*\)/p\1/g')"
  counts_size=$(curl -fs "$counts" | wc -c)
  echo secret-password-123 | COLLOQUY_DATABASE="$work/run.db" "$bin" moderator add bench --role admin --password-stdin >/dev/null
  cookie=$(curl -fs -c - -H 'content-type: application/json' \
    -d '{"username":"bench","password":"secret-password-123"}' "$base/api/v1/auth/login" | awk '/colloquy_session/ {print $7}')

  echo
  echo "### data set: $set ($posts posts, $comments comments + a 200-item thread of $size bytes, $br_size with brotli)"
  echo
  echo "start-up: ${startup} ms"
  echo
  read_header "what"
  bare_id=$(PID=$bare run "$bare_base/api/v1/posts/bench-thread/comments")
  bare_br=$(PID=$bare run -H 'Accept-Encoding: br' "$bare_base/api/v1/posts/bench-thread/comments")
  read_row "bare server, thread bytes (the ceiling)" "$bare_id"
  read_row "bare server, thread bytes, br (the ceiling)" "$bare_br"
  fixed=$(PID=$server run "$base/__bench/fixed/$size")
  fixed_rps=${fixed%% *}
  read_row "fixed bytes ($size B, in-binary route)" "$fixed" "${bare_id%% *}"
  read_row "thread, warm (identity)" "$(PID=$server run "$thread")" "${bare_id%% *}"
  read_row "thread, warm (br)" "$(PID=$server run -H 'Accept-Encoding: br' "$thread")" "${bare_br%% *}"
  echo
  echo "(ceiling: the bare server's figure for the same bytes; the fixed-bytes"
  echo "route goes through all of Colloquy's middleware: $fixed_rps req/s)"
  echo
  printf "| %-44s | %10s | %8s | %8s | %10s | %5s | %s |\n" "what" "req/s" "p50" "p99" "ceiling" "ratio" "non-2xx"
  printf "|%s|%s|%s|%s|%s|%s|%s|\n" "$(printf -- '-%.0s' {1..46})" "------------" "----------" "----------" "------------" "-------" "---------"
  small_fixed=$(run "$base/__bench/fixed/$counts_size")
  row "fixed bytes ($counts_size B, the ceiling)" "$small_fixed"
  row "counts for 20 posts, warm" "$(run "$counts")" "${small_fixed%% *}"
  row "moderation queue, pending, 50 a page" "$(run -H "Cookie: colloquy_session=$cookie" "$base/api/v1/moderation/comments?status=pending")"
  row "posts list, 20 a page" "$(run "$base/api/v1/posts")"
  row "submissions (rate limits off)" "$(POSTS=$posts run -s "$work/submit.lua" "$base")"
  echo
  echo "peak RSS under load: $(( $(rss_kb) / 1024 )) MiB"
  [ "$ROUNDS" -gt 0 ] && bare_rounds "$thread"
  stop_server

  # Cold reads: the same binary with the cache off renders every request.
  cp "$db" "$work/run.db"; rm -f "$work/run.db-wal" "$work/run.db-shm"
  start_server "$work/run.db" COLLOQUY_CACHE__ENABLED=false
  echo
  read_header "cache off"
  read_row "thread, cold (one query, concatenate)" "$(PID=$server run "$thread")" "${bare_id%% *}"
  read_row "counts for 20 posts, cold" "$(PID=$server run "$counts")"
  stop_server
  stop_bare
done
