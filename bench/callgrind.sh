#!/usr/bin/env bash
# Instructions per chat request (callgrind), which do not depend on the machine's load: the
# repeatable companion of bench/run.sh's throughput ratios (bench/RESULTS.md).
#
#   bench/callgrind.sh [VAR=value ...]
#     GATEWAY_BIN  gateway binary                (default: build/inference-gateway)
#     TARGET       gateway | auth | limits | routing   (default: gateway)
#                  gateway: bench/run.sh's "gateway" settings; auth: plus AUTH_ENABLED, a
#                  SQLite key store and SPEND_LOG_ENABLED=false ("gateway-auth"); limits: auth
#                  with a key and team carrying rpm, tpm, max_parallel and a budget that never
#                  refuse, spend log on ("gateway-limits"); routing: the alias "bench" over
#                  openai/gpt-4o-mini ("gateway-routing")
#     KEEP         a file to copy the callgrind dump to (for callgrind_annotate)
#     CONNS        wrk connections               (default: 8)
#     DURATION     measured wrk run              (default: 10s)
#
# The gateway runs under `valgrind --tool=callgrind --separate-threads=no` with
# SERVER_THREADS=1 and LOG_LEVEL=error against bench/fake_upstream. After 3 s of warm-up the
# counters are zeroed, wrk runs for DURATION, and the dump's total Ir is divided by wrk's request
# count (every answer must be a 2xx). Prints one line: "TARGET Ir/request requests".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
for arg in "$@"; do
    case $arg in
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *=*) export "${arg?}" ;;
        *) echo "unknown argument: $arg (use VAR=value)" >&2; exit 2 ;;
    esac
done
GATEWAY_BIN=${GATEWAY_BIN:-$ROOT/build/inference-gateway}
TARGET=${TARGET:-gateway}
CONNS=${CONNS:-8}
DURATION=${DURATION:-10s}

die() { echo "[callgrind] ERROR: $*" >&2; exit 1; }
for tool in g++ wrk valgrind callgrind_control curl; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh bench)"
done
[[ -x $GATEWAY_BIN ]] || die "no gateway binary at $GATEWAY_BIN"

WORK=$(mktemp -d /tmp/gw-callgrind.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {  # prints a port nothing listens on, below the ephemeral range
    local p
    for _ in $(seq 100); do
        p=$((20000 + RANDOM % 20000))
        (: </dev/tcp/127.0.0.1/$p) 2>/dev/null || { echo "$p"; return; }
    done
    die "no free port"
}
wait_ready() {  # PID URL LOG, bounded: valgrind starts slowly
    for _ in $(seq 600); do
        kill -0 "$1" 2>/dev/null || { tail -n 20 "$3" >&2; die "exited during start-up"; }
        curl -fsS -o /dev/null --max-time 1 "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    die "not ready after 60 s ($2)"
}

g++ -O2 -std=c++20 -o "$WORK/fake_upstream" "$BENCH/fake_upstream.cpp"
FAKE_PORT=$(free_port)
"$WORK/fake_upstream" "$FAKE_PORT" >"$WORK/fake.log" 2>&1 &
PIDS+=($!)
wait_ready "$!" "http://127.0.0.1:$FAKE_PORT/v1/models" "$WORK/fake.log"

GW_PORT=$(free_port)
ENVS=(SERVER_HOST=127.0.0.1 SERVER_PORT=$GW_PORT SERVER_THREADS=1
      OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench
      ENVIRONMENT=production LOG_LEVEL=error)
TOKEN=bench MODEL=""
ADMIN=bench-admin-$RANDOM$RANDOM$RANDOM
case $TARGET in
    gateway) ;;
    auth)
        mkdir -p "$WORK/data"
        ENVS+=(AUTH_ENABLED=true AUTH_ADMIN_KEY=$ADMIN DATA_DIR=$WORK/data SPEND_LOG_ENABLED=false) ;;
    limits)
        mkdir -p "$WORK/data"
        ENVS+=(AUTH_ENABLED=true AUTH_ADMIN_KEY=$ADMIN DATA_DIR=$WORK/data) ;;
    routing)
        printf 'models:\n  bench:\n    deployments:\n      - {provider: openai, model: gpt-4o-mini}\n' \
            >"$WORK/routing.yaml"
        ENVS+=(ROUTING_ENABLED=true ROUTING_CONFIG_PATH=$WORK/routing.yaml)
        MODEL=bench ;;
    *) die "TARGET must be gateway, auth or routing" ;;
esac
env "${ENVS[@]}" valgrind --tool=callgrind --separate-threads=no \
    --callgrind-out-file="$WORK/callgrind.out" "$GATEWAY_BIN" >"$WORK/gateway.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
wait_ready "$GW_PID" "http://127.0.0.1:$GW_PORT/health" "$WORK/gateway.log"
KEY_BODY='{"name":"bench","team":"bench","models":["openai/*"]}'
if [[ $TARGET == limits ]]; then
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $ADMIN" \
        -d '{"id":"bench","rpm":1000000000,"tpm":1000000000000,"budget":{"usd":1000000}}' \
        "http://127.0.0.1:$GW_PORT/admin/teams" || die "creating a team failed"
    KEY_BODY='{"name":"bench","team":"bench","rpm":1000000000,"tpm":1000000000000,"max_parallel":100000,"budget":{"usd":1000000,"period":"month"}}'
fi
if [[ $TARGET == auth || $TARGET == limits ]]; then
    created=$(curl -fsS -X POST -H "Authorization: Bearer $ADMIN" -d "$KEY_BODY" \
        "http://127.0.0.1:$GW_PORT/admin/keys") || die "creating a key failed"
    TOKEN=$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$created")
    [[ $TOKEN == sk-igw-* ]] || die "no key in $created"
fi

URL=http://127.0.0.1:$GW_PORT/v1/chat/completions
run_wrk() { WRK_TOKEN=$TOKEN WRK_MODEL=$MODEL wrk -t1 -c"$CONNS" -d"$1" -s "$BENCH/wrk/chat.lua" "$URL"; }
run_wrk 3s >"$WORK/warmup.txt"
callgrind_control -z "$GW_PID" >/dev/null 2>&1
run_wrk "$DURATION" >"$WORK/wrk.txt"
# The spend writer flushes every second: let its last batch land before the dump.
[[ $TARGET == limits ]] && sleep 2
callgrind_control -d "$GW_PID" >/dev/null 2>&1
grep -q 'Non-2xx\|Socket errors' "$WORK/wrk.txt" && { cat "$WORK/wrk.txt" >&2; die "errors during the run"; }
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
# The dump after zeroing is the last file callgrind wrote (callgrind.out.1 or similar).
dump=$(ls -t "$WORK"/callgrind.out* | head -n 1)
ir=$(awk '/^summary:/ {print $2}' "$dump")
[[ -n ${KEEP:-} ]] && cp "$dump" "$KEEP"
[[ -n $ir && -n $requests && $requests -gt 0 ]] || die "no figures (dump $dump, requests $requests)"
echo "$TARGET $((ir / requests)) $requests"
