#!/usr/bin/env bash
# The fuzz step of `make test`: for every libFuzzer target, replays its kept crashers
# (fuzz/regressions/NAME/*), then fuzzes for a short bounded time seeded from fuzz/corpus/NAME
# (copied, so the repository's seeds stay as committed). Fails on the first crash or property
# violation, keeping the input in fuzz/regressions/NAME/. Long runs: scripts/fuzz-long.sh.
set -euo pipefail
build=$1
seconds=${2:-8}
source "$(dirname "$0")/fuzz-common.sh"
for bin in "$build"/*_fuzz; do
  name=$(basename "$bin")
  replay_regressions "$bin"
  work=$(mktemp -d)
  mkdir "$work/corpus" "$work/artifacts"
  cp -r "fuzz/corpus/$name/." "$work/corpus/" 2>/dev/null || true
  echo "fuzzing $name for ${seconds}s"
  # shellcheck disable=SC2046
  if ! "$bin" -max_total_time="$seconds" $(fuzz_flags "$name") -print_final_stats=0 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" 2>"$work/log"; then
    tail -40 "$work/log"
    keep_crasher "$name" "$work/artifacts" || true
    echo "fuzz target $name failed"
    exit 1
  fi
  grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$work/log" | tail -1 || true
  rm -rf "$work"
done
