#!/usr/bin/env bash
# `make fuzz-long`: runs each libFuzzer target, one at a time, until it reaches its execution
# goal (10 million for the byte-level parsers, 1 million for translators and codecs) or
# FUZZ_LONG_SECONDS pass, whichever comes first. Seeds come from fuzz/corpus/NAME; the corpus
# grows in BUILD/fuzz-long/corpus/NAME (a copy: the repository's seeds change only with
# FUZZ_REFRESH_SEEDS=1, which merges the new coverage back into fuzz/corpus/NAME). Crashers are
# kept in fuzz/regressions/NAME/, which `make test` replays. Prints per target: executions,
# exec/s (wall clock and per CPU second: the machine may be shared), wall time, coverage.
#
# Usage: fuzz-long.sh BUILD [SECONDS] ; FUZZ_TARGETS="a_fuzz b_fuzz" limits the set;
# FUZZ_LONG_RUNS=N overrides every goal.
set -uo pipefail
build=$1
seconds=${2:-${FUZZ_LONG_SECONDS:-600}}
source "$(dirname "$0")/fuzz-common.sh"
# Faster malloc under ASan (shorter allocation stacks); a kept crasher replays with full reports.
export ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=3}

# Byte-level parsers: SSE, chunked coding, the JSON scanner, HTTP framing and paths.
byte_level=" sse_fuzz chunked_fuzz json_scan_fuzz json_parse_fuzz proxy_path_fuzz chat_route_fuzz upstream_response_fuzz request_framing_fuzz "

out="$build/fuzz-long"
mkdir -p "$out/corpus" "$out/logs"
results="$out/results.md"
{
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg), cap ${seconds}s per target"
  echo
  echo "| target | goal | executions | exec/s (wall) | exec/s per CPU-s | wall s | cov | ft | corpus | result |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
} >"$results"
cat "$results"
failed=0
targets=${FUZZ_TARGETS:-$(cd "$build" && ls -- *_fuzz)}
for name in $targets; do
  bin="$build/$name"
  [ -x "$bin" ] || { echo "no such target: $bin"; failed=1; continue; }
  if [[ "$byte_level" == *" $name "* ]]; then goal=10000000; else goal=1000000; fi
  goal=${FUZZ_LONG_RUNS:-$goal}
  corpus="$out/corpus/$name"
  artifacts="$out/artifacts/$name"
  mkdir -p "$corpus" "$artifacts"
  cp -rn "fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
  log="$out/logs/$name.log"
  TIMEFORMAT='%R %U %S'
  # shellcheck disable=SC2046
  { time "$bin" -runs="$goal" -max_total_time="$seconds" $(fuzz_flags "$name") \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1; } 2>"$log.time"
  rc=$?
  read -r wall user sys <"$log.time"
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}')
  execs=${execs:-0}
  last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | awk '{print $2}')
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | awk '{print $2}')
  rate=$(awk -v e="$execs" -v w="$wall" 'BEGIN { printf "%d", (w > 0 ? e / w : 0) }')
  cpu_rate=$(awk -v e="$execs" -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s > 0 ? e / (u + s) : 0) }')
  files=$(find "$corpus" -type f | wc -l)
  if [ $rc -ne 0 ]; then
    result="CRASH (see $log)"
    keep_crasher "$name" "$artifacts" >/dev/null || true
    failed=1
  elif [ "$execs" -ge "$goal" ]; then
    result="goal reached"
  else
    result="below goal ($(awk -v e="$execs" -v g="$goal" 'BEGIN { printf "%.0f%%", 100 * e / g }'))"
  fi
  line="| $name | $goal | $execs | $rate | $cpu_rate | $wall | ${cov:-?} | ${ft:-?} | $files | $result |"
  echo "$line" | tee -a "$results"
  if [ "${FUZZ_REFRESH_SEEDS:-0}" = 1 ] && [ $rc -eq 0 ]; then
    mkdir -p "fuzz/corpus/$name"
    "$bin" -merge=1 $(fuzz_flags "$name") "fuzz/corpus/$name" "$corpus" >"$log.merge" 2>&1 || true
  fi
done
echo "results: $results"
exit $failed
