# Sourced by run-fuzzers.sh and fuzz-long.sh: sanitizer settings and per-target options.

# UBSan only prints by default; a fuzzer must stop on the first report so the input is kept.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# libFuzzer flags from fuzz/NAME.options (OSS-Fuzz format: "key = value" lines under
# [libfuzzer]), e.g. max_len. Default: -max_len=4096.
fuzz_flags() {
  local opts="fuzz/$1.options" section="" flags="" key value
  [ -f "$opts" ] || { echo "-max_len=4096"; return; }
  while IFS='=' read -r key value; do
    key=$(echo "$key" | tr -d '[:space:]')
    value=$(echo "$value" | tr -d '[:space:]')
    case "$key" in
      \[*\]) section=$key; continue ;;
      ''|\#*) continue ;;
    esac
    [ "$section" = "[libfuzzer]" ] && flags="$flags -$key=$value"
  done < "$opts"
  case "$flags" in *-max_len=*) ;; *) flags="$flags -max_len=4096" ;; esac
  echo "$flags"
}

# Replays every kept crasher of a target (fuzz/regressions/NAME/*); fails when one still
# crashes. libFuzzer runs each file given on the command line once.
replay_regressions() {
  local bin=$1 name dir
  name=$(basename "$bin")
  dir="fuzz/regressions/$name"
  [ -d "$dir" ] || return 0
  local files=("$dir"/*)
  [ -e "${files[0]}" ] || return 0
  if ! "$bin" "${files[@]}" >"$dir.replay.log" 2>&1; then
    tail -40 "$dir.replay.log"
    echo "fuzz target $name: a regression input in $dir crashes again"
    rm -f "$dir.replay.log"
    return 1
  fi
  rm -f "$dir.replay.log"
  echo "replayed ${#files[@]} regression input(s) of $name"
}

# Copies a new crasher into fuzz/regressions/NAME/ so it is replayed from then on.
keep_crasher() {
  local name=$1 artifacts=$2 f kept=0
  mkdir -p "fuzz/regressions/$name"
  for f in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -e "$f" ] || continue
    cp "$f" "fuzz/regressions/$name/"
    echo "kept $(basename "$f") as fuzz/regressions/$name/$(basename "$f"): commit it with the fix"
    kept=1
  done
  return $kept
}
