#!/usr/bin/env bash
# The import benchmark (issue 12): generates a Disqus export of 100,000
# comments over 500 threads, imports it into a fresh SQLite database
# with the release binary, and prints wall time and peak RSS (GNU time),
# then imports it again (the idempotent re-run: nothing added).
#
#   scripts/bench_import.sh
#   COMMENTS=200000 THREADS=2000 scripts/bench_import.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
COMMENTS=${COMMENTS:-100000}
THREADS=${THREADS:-500}
work=${WORK:-$(mktemp -d)}
trap '[ -z "${WORK:-}" ] && rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null
fi

cargo build --release --quiet --bin colloquy --example disqus_sample
bin=$root/target/release/colloquy
file=$work/disqus.xml
"$root/target/release/examples/disqus_sample" "$file" "$THREADS" "$COMMENTS"
echo "file: $(du -h "$file" | cut -f1) ($COMMENTS comments, $THREADS threads)"

run() {
  local label=$1
  /usr/bin/time -f "%e %M" -o "$work/time" \
    env COLLOQUY_DATABASE="$work/import.db" "$bin" import disqus "$file" \
    >"$work/$label.out" 2>"$work/$label.err"
  read -r secs kb <"$work/time"
  printf '%-8s %6.1f s  peak RSS %5d MB\n' "$label" "$secs" $((kb / 1024))
  tail -n 12 "$work/$label.out"
}
run first
run again
rm -f "$work/import.db"*
/usr/bin/time -f "%e %M" -o "$work/time" \
  env COLLOQUY_DATABASE="$work/import.db" "$bin" import disqus --dry-run "$file" >/dev/null 2>&1
read -r secs kb <"$work/time"
printf '%-8s %6.1f s  peak RSS %5d MB\n' "dry-run" "$secs" $((kb / 1024))
