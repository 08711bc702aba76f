#!/usr/bin/env bash
# Bounded fuzzing of the Markdown renderer/sanitiser and the input parsers
# (targets in fuzz/fuzz_targets/). Installs cargo-fuzz when missing, runs
# each target for FUZZ_SECONDS (default 30) on stable Rust without a
# sanitizer, and fails on the first crash, panic, broken assertion or
# input slower than 10 s; the input that did it is left in fuzz/artifacts/.
#
# Environment: FUZZ_SECONDS (30), FUZZ_TARGETS (all four).
# Reproduce a failure:  cd fuzz && cargo fuzz run --sanitizer none TARGET artifacts/TARGET/FILE
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-"render comment_form post_form page_query"}

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "== cargo fuzz build"
cargo fuzz build --sanitizer none

for target in $TARGETS; do
  echo "== fuzzing $target for ${FUZZ_SECONDS}s"
  # corpus/ is scratch (not in git); seeds/ holds the few inputs we keep.
  mkdir -p "corpus/$target"
  extra=()
  if [ -f "dict/$target.dict" ]; then extra+=("-dict=dict/$target.dict"); fi
  log=$(mktemp)
  status=0
  cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -n 60 "$log"
    rm -f "$log"
    echo "fuzz target $target failed (exit $status); the input is in fuzz/artifacts/$target/"
    exit 1
  fi
  rm -f "$log"
done
echo "fuzzing: ok ($TARGETS, ${FUZZ_SECONDS}s each)"
