#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time, seeded from fuzz/corpus/NAME (copied, so the
# repository's seeds stay as committed). Fails on the first crash or property violation.
set -euo pipefail
build=$1
seconds=${2:-15}
for bin in "$build"/*_fuzz; do
  name=$(basename "$bin")
  work=$(mktemp -d)
  cp -r "fuzz/corpus/$name/." "$work/" 2>/dev/null || true
  echo "fuzzing $name for ${seconds}s"
  "$bin" -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 \
    -artifact_prefix="$work/" "$work" 2>"$work.log" || {
    tail -40 "$work.log"
    echo "fuzz target $name failed; crashing input kept in $work"
    exit 1
  }
  grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$work.log" | tail -1 || true
  rm -rf "$work" "$work.log"
done
