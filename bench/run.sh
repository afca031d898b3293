#!/usr/bin/env bash
# Benchmarks the gateway against nginx (same job: keep-alive reverse proxy) and
# against hitting the fake upstream directly, plus a second gateway with
# metrics and tracing on (gateway-telemetry), runs the streaming translation
# micro-benchmark (translate_bench), then writes a markdown report.
#
#   bench/run.sh [VAR=value ...]      (or set them in the environment)
#     GATEWAY_BIN  gateway binary          (default: build/inference-gateway)
#     TRANSLATE_BENCH  translate_bench binary (default: next to GATEWAY_BIN;
#                  built with ninja in that directory when missing)
#     TRANSLATE_EVENTS  text-delta events per translate_bench run (default: 1000000)
#     DURATION     wrk time per run        (default: 10s)
#     WARMUP       wrk warm-up per script  (default: 1s)
#     REPEAT       rounds per scenario; medians are reported (default: 1;
#                  3 is more trustworthy on a noisy machine). Rounds are
#                  interleaved: each round runs every target once, in an order
#                  rotated from round to round, so a burst of background load
#                  hits all targets alike.
#     HOLD_STREAMS held SSE streams for the memory scenario (default: 3000;
#                  0 skips it); needs ulimit -n > 2 x HOLD_STREAMS + 100
#     RESULTS      report file             (default: bench/RESULTS.md)
#     SCENARIOS    "NAME:LUA:CONNS ..."    (LUA relative to bench/wrk/)
#     SERVER_CPU / LOAD_CPU  CPU for proxies / for fake + wrk (default 0 / 1)
#     HOLD_MS      how long the held streams are kept open (default: 2000)
#     AGENT_ITERATIONS  requests per agent-loop round (default: 300; 0 skips it)
#
# Proxies get one CPU, the fake upstream and wrk share the other, so the
# proxy under test is the bottleneck and nginx and the gateway compete on
# equal terms (one worker / one thread each).
#
# Exits 0 even when a target is missed (this is a report); non-zero only
# when something fails to build, start or answer correctly.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench

for arg in "$@"; do
    case $arg in
        -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
        *=*) export "${arg?}" ;;
        *) echo "unknown argument: $arg (use VAR=value)" >&2; exit 2 ;;
    esac
done

GATEWAY_BIN=${GATEWAY_BIN:-$ROOT/build/inference-gateway}
TRANSLATE_BENCH=${TRANSLATE_BENCH:-$(dirname "$GATEWAY_BIN")/translate_bench}
TRANSLATE_EVENTS=${TRANSLATE_EVENTS:-1000000}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-1s}
REPEAT=${REPEAT:-1}
RESULTS=${RESULTS:-$BENCH/RESULTS.md}
SCENARIOS=${SCENARIOS:-"chat-c1:chat.lua:1 chat-c10:chat.lua:10 chat-c64:chat.lua:64 chat-c256:chat.lua:256 stream-c1:stream.lua:1 stream-c10:stream.lua:10 stream-c64:stream.lua:64"}
HOLD_STREAMS=${HOLD_STREAMS:-3000}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}

log() { echo "[bench] $*" >&2; }
T_START=$SECONDS
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
die() { echo "[bench] ERROR: $*" >&2; exit 1; }

for tool in g++ wrk nginx taskset curl strip; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
for s in $SCENARIOS; do
    IFS=: read -r name lua conns <<<"$s"
    [[ -n $name && -f $BENCH/wrk/$lua && $conns =~ ^[0-9]+$ ]] || die "bad scenario '$s' (want NAME:LUA:CONNS)"
done

WORK=$(mktemp -d /tmp/gw-bench.XXXXXX)
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Ports are probed (nothing answers on them) rather than reserved; there is a
# small race with other programs, which is acceptable for a bench script.
# They are taken below the kernel's ephemeral range, where outgoing
# connections (wrk, proxies' upstream pools) could already hold them.
# free_port VAR sets VAR (no $(...): the used-port list must persist).
USED_PORTS=" "
free_port() {
    local p low
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range
    (( low > 11000 )) || low=61000  # unusual range: use the space above it
    for _ in $(seq 100); do
        if (( low == 61000 )); then p=$((61000 + RANDOM % 4000)); else p=$((10000 + RANDOM % (low - 10000))); fi
        [[ $USED_PORTS == *" $p "* ]] && continue
        if ! (: </dev/tcp/127.0.0.1/$p) 2>/dev/null; then
            USED_PORTS+="$p "
            printf -v "$1" '%s' "$p"
            return
        fi
    done
    die "no free port found"
}

# wait_ready NAME PID URL LOG: bounded poll until URL answers 2xx.
wait_ready() {
    local name=$1 pid=$2 url=$3 logf=$4
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$logf" >&2 || true; die "$name exited during start-up"; }
        curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
        sleep 0.1
    done
    tail -n 20 "$logf" >&2 || true
    die "$name not ready after 10s ($url)"
}

lua_body() { sed -n "s/^wrk.body = '\(.*\)'$/\1/p" "$BENCH/wrk/$1"; }

# Numbers from a proxy that answers with errors are meaningless, so check
# each target once with real requests before measuring it.
declare -A TOKEN  # per target: the bearer credential wrk and the checks send (default "bench")
declare -A MODEL  # per target: the model wrk and the checks send (default openai/gpt-4o-mini)
check_target() {
    local name=$1 url=$2 out auth="Authorization: Bearer ${TOKEN[$1]:-bench}"
    local model=${MODEL[$1]:-openai/gpt-4o-mini}
    out=$(curl -sS --max-time 5 -H 'Content-Type: application/json' -H "$auth" \
        -d "$(lua_body chat.lua | sed "s#openai/gpt-4o-mini#$model#")" "$url" 2>&1) || die "$name: chat request failed: $out"
    [[ $out == *'"chat.completion"'* ]] || die "$name: unexpected chat response: ${out:0:300}"
    out=$(curl -sS -N --max-time 5 -H 'Content-Type: application/json' -H "$auth" \
        -d "$(lua_body stream.lua | sed "s#openai/gpt-4o-mini#$model#")" "$url" 2>&1) || die "$name: stream request failed: $out"
    [[ $out == *'data: [DONE]'* && $(grep -c '^data: {' <<<"$out") -ge 20 ]] ||
        die "$name: unexpected stream response: ${out:0:300}"
}

run_wrk() {  # URL LUA CONNS DURATION [TARGET]
    WRK_TOKEN=${TOKEN[${5:-}]:-bench} WRK_MODEL=${MODEL[${5:-}]:-} taskset -c "$LOAD_CPU" wrk -t1 -c"$3" -d"$4" --latency \
        -s "$BENCH/wrk/$2" "$1"
}

# Prints "req/s p50_us p99_us errors" from wrk --latency output.
parse_wrk() {
    awk '
        function us(v) {
            if (v ~ /us$/) return v + 0
            if (v ~ /ms$/) return v * 1e3
            if (v ~ /s$/)  return v * 1e6
            if (v ~ /m$/)  return v * 60e6
            return v + 0
        }
        /^Requests\/sec:/ { rps = $2 }
        $1 == "50%" { p50 = us($2) }
        $1 == "99%" { p99 = us($2) }
        /Non-2xx or 3xx responses:/ { err += $NF }
        /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
        END { printf "%.0f %.0f %.0f %d\n", rps, p50, p99, err }' "$1"
}

# ---------------------------------------------------------------- translation
# First, while nothing of ours runs on SERVER_CPU: the translators' per-event
# cost, without any networking.
TRANSLATE_TABLE=""
if [[ ! -x $TRANSLATE_BENCH && -f $(dirname "$TRANSLATE_BENCH")/build.ninja ]] && command -v ninja >/dev/null; then
    log "building translate_bench"
    ninja -C "$(dirname "$TRANSLATE_BENCH")" translate_bench >&2 || die "building translate_bench failed"
fi
if [[ -x $TRANSLATE_BENCH ]]; then
    log "translate_bench ($TRANSLATE_EVENTS events per run) on CPU $SERVER_CPU"
    TRANSLATE_TABLE=$(taskset -c "$SERVER_CPU" "$TRANSLATE_BENCH" "$TRANSLATE_EVENTS") ||
        die "translate_bench failed"
else
    log "translate_bench missing: $TRANSLATE_BENCH -- skipping the streaming translation section"
fi

# ---------------------------------------------------------------- start-up
log "building fake upstream and hold_streams"
g++ -O2 -std=c++20 -o "$WORK/fake_upstream" "$BENCH/fake_upstream.cpp"
g++ -O2 -std=c++20 -o "$WORK/hold_streams" "$BENCH/hold_streams.cpp"
if (( HOLD_STREAMS > 0 )) && (( $(ulimit -n) < 2 * HOLD_STREAMS + 100 )); then
    ulimit -n $((2 * HOLD_STREAMS + 100)) 2>/dev/null ||
        { log "ulimit -n $(ulimit -n) is too low for HOLD_STREAMS=$HOLD_STREAMS: skipping held streams"; HOLD_STREAMS=0; }
fi

free_port FAKE_PORT
taskset -c "$LOAD_CPU" "$WORK/fake_upstream" "$FAKE_PORT" >"$WORK/fake.log" 2>&1 &
PIDS+=($!)
wait_ready fake "$!" "http://127.0.0.1:$FAKE_PORT/v1/models" "$WORK/fake.log"

free_port NGINX_PORT
mkdir -p "$WORK/nginx"
sed -e "s|@RUNDIR@|$WORK/nginx|g" -e "s|@LISTEN_PORT@|$NGINX_PORT|g" -e "s|@UPSTREAM_PORT@|$FAKE_PORT|g" \
    "$BENCH/nginx.conf.template" >"$WORK/nginx/nginx.conf"
taskset -c "$SERVER_CPU" nginx -p "$WORK/nginx/" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" \
    >"$WORK/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_ready nginx "$!" "http://127.0.0.1:$NGINX_PORT/v1/models" "$WORK/nginx.log"

declare -A URL=(
    [direct]=http://127.0.0.1:$FAKE_PORT/v1/chat/completions
    [nginx]=http://127.0.0.1:$NGINX_PORT/v1/chat/completions
)
TARGETS=(direct nginx)

GW_PID="" RSS_IDLE_KB="" RSS_AFTER_KB="" GW_STRIPPED=""
GWT_PID="" GWT_METRICS_PORT=""
if [[ -e $GATEWAY_BIN ]]; then
    free_port GW_PORT
    SERVER_HOST=127.0.0.1 SERVER_PORT=$GW_PORT SERVER_THREADS=1 \
    OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench \
    ENVIRONMENT=production LOG_LEVEL=error \
        taskset -c "$SERVER_CPU" "$GATEWAY_BIN" >"$WORK/gateway.log" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    wait_ready gateway "$GW_PID" "http://127.0.0.1:$GW_PORT/health" "$WORK/gateway.log"
    RSS_IDLE_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status")
    strip -o "$WORK/gateway.stripped" "$GATEWAY_BIN"
    GW_STRIPPED=$(stat -c %s "$WORK/gateway.stripped")
    URL[gateway]=http://127.0.0.1:$GW_PORT/v1/chat/completions
    TARGETS+=(gateway)

    # The same gateway with Prometheus metrics and OTLP tracing on; spans go
    # to the fake upstream, which answers POST /v1/traces with 200 {}.
    free_port GWT_PORT
    free_port GWT_METRICS_PORT
    SERVER_HOST=127.0.0.1 SERVER_PORT=$GWT_PORT SERVER_THREADS=1 \
    OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench \
    ENVIRONMENT=production LOG_LEVEL=error \
    TELEMETRY_ENABLE=true TELEMETRY_METRICS_PORT=$GWT_METRICS_PORT \
    TELEMETRY_TRACING_ENABLE=true OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$FAKE_PORT \
        taskset -c "$SERVER_CPU" "$GATEWAY_BIN" >"$WORK/gateway-telemetry.log" 2>&1 &
    GWT_PID=$!
    PIDS+=("$GWT_PID")
    wait_ready gateway-telemetry "$GWT_PID" "http://127.0.0.1:$GWT_PORT/health" "$WORK/gateway-telemetry.log"
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$GWT_METRICS_PORT/metrics" ||
        die "gateway-telemetry: no /metrics on port $GWT_METRICS_PORT"
    URL[gateway-telemetry]=http://127.0.0.1:$GWT_PORT/v1/chat/completions
    TARGETS+=(gateway-telemetry)

    # The same gateway with routing on (issue #14): wrk asks for the alias "bench", a
    # round_robin pool of one deployment (openai/gpt-4o-mini on the fake upstream).
    free_port GWR_PORT
    printf 'models:\n  bench:\n    deployments:\n      - {provider: openai, model: gpt-4o-mini}\n' \
        >"$WORK/routing.yaml"
    SERVER_HOST=127.0.0.1 SERVER_PORT=$GWR_PORT SERVER_THREADS=1 \
    OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench \
    ENVIRONMENT=production LOG_LEVEL=error \
    ROUTING_ENABLED=true ROUTING_CONFIG_PATH=$WORK/routing.yaml \
        taskset -c "$SERVER_CPU" "$GATEWAY_BIN" >"$WORK/gateway-routing.log" 2>&1 &
    PIDS+=($!)
    wait_ready gateway-routing "$!" "http://127.0.0.1:$GWR_PORT/health" "$WORK/gateway-routing.log"
    URL[gateway-routing]=http://127.0.0.1:$GWR_PORT/v1/chat/completions
    MODEL[gateway-routing]=bench
    TARGETS+=(gateway-routing)

    # The same gateway with authentication on: a gateway key from the admin API, checked on
    # every request against the in-memory key index (SQLite store in the work directory).
    free_port GWA_PORT
    mkdir -p "$WORK/auth-data"
    GWA_ADMIN=bench-admin-$RANDOM$RANDOM$RANDOM
    SERVER_HOST=127.0.0.1 SERVER_PORT=$GWA_PORT SERVER_THREADS=1 \
    OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench \
    ENVIRONMENT=production LOG_LEVEL=error \
    AUTH_ENABLED=true AUTH_ADMIN_KEY=$GWA_ADMIN DATA_DIR=$WORK/auth-data SPEND_LOG_ENABLED=false \
        taskset -c "$SERVER_CPU" "$GATEWAY_BIN" >"$WORK/gateway-auth.log" 2>&1 &
    GWA_PID=$!
    PIDS+=("$GWA_PID")
    wait_ready gateway-auth "$GWA_PID" "http://127.0.0.1:$GWA_PORT/health" "$WORK/gateway-auth.log"
    created=$(curl -fsS -X POST -H "Authorization: Bearer $GWA_ADMIN" \
        -d '{"name":"bench","team":"bench","models":["openai/*"]}' \
        "http://127.0.0.1:$GWA_PORT/admin/keys") || die "gateway-auth: creating a key failed"
    TOKEN[gateway-auth]=$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$created")
    [[ ${TOKEN[gateway-auth]} == sk-igw-* ]] || die "gateway-auth: no key in $created"
    URL[gateway-auth]=http://127.0.0.1:$GWA_PORT/v1/chat/completions
    TARGETS+=(gateway-auth)

    # Limits and budgets on (issue #13): the key carries every kind of limit (high enough never
    # to refuse), so each request is admitted, reserved, settled and written to the spend log.
    # gateway-limits counts in the process (embedded default); gateway-redis shares the
    # counters through a local redis-server.
    limits_target() {  # NAME, then extra environment assignments
        local name=$1 port admin pid created
        shift
        free_port port
        mkdir -p "$WORK/$name-data"
        admin=bench-admin-$RANDOM$RANDOM$RANDOM
        env SERVER_HOST=127.0.0.1 SERVER_PORT=$port SERVER_THREADS=1 \
            OPENAI_API_URL=http://127.0.0.1:$FAKE_PORT/v1 OPENAI_API_KEY=bench \
            ENVIRONMENT=production LOG_LEVEL=error \
            AUTH_ENABLED=true AUTH_ADMIN_KEY=$admin DATA_DIR=$WORK/$name-data "$@" \
            taskset -c "$SERVER_CPU" "$GATEWAY_BIN" >"$WORK/$name.log" 2>&1 &
        pid=$!
        PIDS+=("$pid")
        wait_ready "$name" "$pid" "http://127.0.0.1:$port/health" "$WORK/$name.log"
        curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $admin" \
            -d '{"id":"bench","rpm":1000000000,"tpm":1000000000000,"budget":{"usd":1000000}}' \
            "http://127.0.0.1:$port/admin/teams" || die "$name: creating a team failed"
        created=$(curl -fsS -X POST -H "Authorization: Bearer $admin" \
            -d '{"name":"bench","team":"bench","rpm":1000000000,"tpm":1000000000000,"max_parallel":100000,"budget":{"usd":1000000,"period":"month"}}' \
            "http://127.0.0.1:$port/admin/keys") || die "$name: creating a key failed"
        TOKEN[$name]=$(sed -E 's/.*"key":"([^"]+)".*/\1/' <<<"$created")
        [[ ${TOKEN[$name]} == sk-igw-* ]] || die "$name: no key in $created"
        URL[$name]=http://127.0.0.1:$port/v1/chat/completions
        TARGETS+=("$name")
    }
    limits_target gateway-limits
    if command -v redis-server >/dev/null; then
        free_port REDIS_PORT
        taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --save '' --appendonly no \
            --dir "$WORK" >"$WORK/redis.log" 2>&1 &
        PIDS+=($!)
        for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
        limits_target gateway-redis REDIS_URL=redis://127.0.0.1:$REDIS_PORT
    fi
else
    log "gateway binary missing: $GATEWAY_BIN -- skipping gateway rows"
fi

for t in "${TARGETS[@]}"; do check_target "$t" "${URL[$t]}"; done

# ---------------------------------------------------------------- held streams
# Memory per held SSE stream, and what is given back once they close: measured first, on
# processes that have served only the checks above, so earlier load does not pre-grow a heap.
declare -A HOLD
declare -A HOLD_PIDS=([nginx]=$NGINX_PID)
[[ -n $GW_PID ]] && HOLD_PIDS[gateway]=$GW_PID
if (( HOLD_STREAMS > 0 )); then
    for t in nginx gateway; do
        [[ -n ${HOLD_PIDS[$t]:-} ]] || continue
        port=${URL[$t]#http://127.0.0.1:}
        port=${port%%/*}
        log "held streams: $HOLD_STREAMS against $t"
        HOLD[$t]=$(taskset -c "$LOAD_CPU" "$WORK/hold_streams" "$port" "${HOLD_PIDS[$t]}" \
            "$HOLD_STREAMS" "${HOLD_MS:-2000}" 3000) || die "held streams against $t failed"
        log "  ${HOLD[$t]}"
    done
fi

for t in "${TARGETS[@]}"; do
    log "warm-up: $t"
    for lua in chat.lua stream.lua; do run_wrk "${URL[$t]}" "$lua" 64 "$WARMUP" "$t" >/dev/null; done
done

# ---------------------------------------------------------------- measuring
declare -A RPS P50 P99 ERR
SCENARIO_NAMES=()
SCENARIO_DESC=()
SCENARIO_CONNS=()
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run_scenario NAME LUA CONNS: REPEAT rounds of one wrk run per target, back
# to back (the order rotated each round), so background noise hits all
# targets alike; the median of each metric is reported.
run_scenario() {
    local name=$1 lua=$2 conns=$3 t r out rps p50 p99 err
    local -A all_rps all_p50 all_p99 all_err
    SCENARIO_NAMES+=("$name")
    SCENARIO_DESC+=("$lua, $conns connection$( ((conns == 1)) || echo s)")
    SCENARIO_CONNS+=("$conns")
    local n=${#TARGETS[@]} k
    for ((r = 1; r <= REPEAT; r++)); do
        for ((k = 0; k < n; k++)); do
            t=${TARGETS[$(((k + r - 1) % n))]}
            out=$WORK/wrk-$name-$t-$r.txt
            run_wrk "${URL[$t]}" "$lua" "$conns" "$DURATION" "$t" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed ($name, $t)"; }
            read -r rps p50 p99 err < <(parse_wrk "$out")
            log "$(printf '%-12s %-8s #%d %8s req/s  p50 %7s us  p99 %7s us  errors %s' \
                "$name" "$t" "$r" "$rps" "$p50" "$p99" "$err")"
            all_rps[$t]+=" $rps" all_p50[$t]+=" $p50" all_p99[$t]+=" $p99"
            all_err[$t]=$(( ${all_err[$t]:-0} + err ))
        done
    done
    # shellcheck disable=SC2086  # word splitting of the value lists is wanted
    for t in "${TARGETS[@]}"; do
        RPS[$name/$t]=$(median ${all_rps[$t]})
        P50[$name/$t]=$(median ${all_p50[$t]})
        P99[$name/$t]=$(median ${all_p99[$t]})
        ERR[$name/$t]=${all_err[$t]}
    done
}

for s in $SCENARIOS; do
    IFS=: read -r name lua conns <<<"$s"
    run_scenario "$name" "$lua" "$conns"
done

TRACE_INFO=""
if [[ -n $GW_PID ]]; then
    kill -0 "$GW_PID" 2>/dev/null || { tail -n 20 "$WORK/gateway.log" >&2; die "gateway died during the benchmark"; }
    kill -0 "$GWT_PID" 2>/dev/null || { tail -n 20 "$WORK/gateway-telemetry.log" >&2; die "gateway-telemetry died during the benchmark"; }
    RSS_AFTER_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$GW_PID/status")
    # Let the exporter's last batch (1 s flush interval) arrive, then see what
    # the telemetry gateway sent and dropped.
    sleep 1.5
    metrics=$(curl -fsS --max-time 2 "http://127.0.0.1:$GWT_METRICS_PORT/metrics") ||
        die "gateway-telemetry: /metrics failed after the run"
    requests=$(awk '/^llm_requests_total[{ ]/ { n += $NF } END { printf "%.0f", n }' <<<"$metrics")
    dropped=$(awk '/^llm_trace_spans_dropped_total[{ ]/ { n += $NF } END { printf "%.0f", n }' <<<"$metrics")
    sink=$(curl -fsS --max-time 2 "http://127.0.0.1:$FAKE_PORT/v1/traces") || die "trace sink stats failed"
    posts=$(sed -n 's/.*"posts":\([0-9]*\).*/\1/p' <<<"$sink")
    tbytes=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' <<<"$sink")
    (( posts > 0 )) || die "gateway-telemetry exported no traces (sink saw 0 POST /v1/traces)"
    TRACE_INFO="gateway-telemetry served $requests requests (llm_requests_total); its exporter POSTed $posts OTLP batches ($(awk "BEGIN { printf \"%.1f\", $tbytes / 1e6 }") MB) to the sink and dropped $dropped spans (llm_trace_spans_dropped_total: buffer of TELEMETRY_TRACE_MAX_QUEUE=2048 spans per 1 s flush)."
fi

# ---------------------------------------------------------------- report
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { [[ $(awk "BEGIN { print ($1) ? 1 : 0 }") == 1 ]] && echo PASS || echo MISS; }

report() {
    echo "# Gateway benchmark results"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), Linux $(uname -r)"
    echo "- Gateway: \`${GATEWAY_BIN#"$ROOT"/}\` (git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none))"
    echo "- Load: $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2), \`-t1 --latency\`, $DURATION per run, median of $REPEAT round(s), $WARMUP warm-up per script and target"
    echo "- Pinning: nginx and gateway on CPU $SERVER_CPU; fake upstream and wrk on CPU $LOAD_CPU"
    echo "- Load average (1, 5, 15 min) at start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other processes share these CPUs)"
    echo "- nginx $(nginx -v 2>&1 | cut -d/ -f2): 1 worker, upstream keepalive 64, proxy_buffering off; gateway: SERVER_THREADS=1"
    echo "- gateway-telemetry: the same binary and settings plus TELEMETRY_ENABLE=true (Prometheus /metrics on its own port), TELEMETRY_TRACING_ENABLE=true, OTEL_EXPORTER_OTLP_ENDPOINT = the fake upstream (POST /v1/traces answers 200 {})"
    echo "- gateway-routing: the same binary and settings plus ROUTING_ENABLED=true; wrk asks for the routing alias \"bench\" (round_robin, one deployment: openai/gpt-4o-mini on the fake upstream)"
    echo "- gateway-auth: the same binary and settings plus AUTH_ENABLED=true, AUTH_ADMIN_KEY, a SQLite key store and SPEND_LOG_ENABLED=false (authentication alone); wrk sends a gateway key (sk-igw-…) created through POST /admin/keys"
    echo "- gateway-limits: gateway-auth plus a key and team carrying rpm, tpm, max_parallel and a budget (never reached): every request is admitted, reserved, settled and spend-logged, counters in the process; gateway-redis: the same with REDIS_URL (a local redis-server on the load CPU)"
    echo "- Upstream: bench/fake_upstream.cpp (~650 B JSON; stream = 20 SSE chunks + [DONE] in one write)"
    echo "- Latency is for the complete response (for streams: until the final chunk)."
    echo
    local s i t
    for i in "${!SCENARIO_NAMES[@]}"; do
        s=${SCENARIO_NAMES[$i]}
        echo "## $s (${SCENARIO_DESC[$i]})"
        echo
        echo "| target | req/s | p50 µs | p99 µs | errors |"
        echo "|---|---:|---:|---:|---:|"
        for t in direct nginx gateway gateway-telemetry gateway-routing gateway-auth gateway-limits gateway-redis; do
            if [[ -n ${RPS[$s/$t]:-} ]]; then
                echo "| $t | ${RPS[$s/$t]} | ${P50[$s/$t]} | ${P99[$s/$t]} | ${ERR[$s/$t]} |"
            else
                echo "| $t | skipped (gateway binary missing) | | | |"
            fi
        done
        echo
    done

    echo "## Targets"
    echo
    if [[ -z $GW_PID ]]; then
        echo "Not evaluated: gateway binary missing ($GATEWAY_BIN)."
        return
    fi
    echo "| metric | scenario | value | target | result |"
    echo "|---|---|---:|---|---|"
    local thr p99r added v tcost
    for i in "${!SCENARIO_NAMES[@]}"; do
        s=${SCENARIO_NAMES[$i]}
        thr=$(calc '%.2f' "${RPS[$s/gateway]} / (${RPS[$s/nginx]} > 0 ? ${RPS[$s/nginx]} : 1)")
        v=$(verdict "$thr >= 0.9")
        # A fast error response is not a fast proxy.
        (( ${ERR[$s/gateway]} > 0 )) && v="MISS (${ERR[$s/gateway]} errors)"
        echo "| gateway/nginx throughput | $s | ${thr}× | ≥ 0.90× | $v |"
        p99r=$(calc '%.2f' "${P99[$s/gateway]} / (${P99[$s/nginx]} > 0 ? ${P99[$s/nginx]} : 1)")
        echo "| gateway/nginx p99 | $s | ${p99r}× | ≤ 1.50× | $(verdict "$p99r <= 1.5") |"
        added=$(( ${P50[$s/gateway]} - ${P50[$s/direct]} ))
        # nginx's own figure shows how much of this is queueing at saturation.
        # With one connection there is no queue, so the target is judged there.
        if (( ${SCENARIO_CONNS[$i]} == 1 )); then
            echo "| gateway p50 − direct p50 | $s | ${added} µs (nginx: $(( ${P50[$s/nginx]} - ${P50[$s/direct]} )) µs) | ≤ 50 µs | $(verdict "$added <= 50") |"
        else
            echo "| gateway p50 − direct p50 | $s | ${added} µs (nginx: $(( ${P50[$s/nginx]} - ${P50[$s/direct]} )) µs) | (info: queueing) | - |"
        fi
        tcost=$(calc '%.2f' "${RPS[$s/gateway-telemetry]} / (${RPS[$s/gateway]} > 0 ? ${RPS[$s/gateway]} : 1)")
        v=-
        (( ${ERR[$s/gateway-telemetry]} > 0 )) && v="(${ERR[$s/gateway-telemetry]} errors)"
        echo "| telemetry cost: gateway-telemetry / gateway throughput | $s | ${tcost}× (p50 $(( ${P50[$s/gateway-telemetry]} - ${P50[$s/gateway]} )) µs) | (info) | $v |"
        if [[ -n ${RPS[$s/gateway-routing]:-} ]]; then
            tcost=$(calc '%.2f' "${RPS[$s/gateway-routing]} / (${RPS[$s/gateway]} > 0 ? ${RPS[$s/gateway]} : 1)")
            v=$(verdict "$tcost >= 0.97")
            (( ${ERR[$s/gateway-routing]} > 0 )) && v="MISS (${ERR[$s/gateway-routing]} errors)"
            echo "| routing cost: gateway-routing (alias) / gateway (provider/model) throughput | $s | ${tcost}× (p50 $(( ${P50[$s/gateway-routing]} - ${P50[$s/gateway]} )) µs) | ≥ 0.97× | $v |"
        fi
        tcost=$(calc '%.2f' "${RPS[$s/gateway-auth]} / (${RPS[$s/gateway]} > 0 ? ${RPS[$s/gateway]} : 1)")
        v=$(verdict "$tcost >= 0.95")
        (( ${ERR[$s/gateway-auth]} > 0 )) && v="MISS (${ERR[$s/gateway-auth]} errors)"
        echo "| auth cost: gateway-auth / gateway throughput | $s | ${tcost}× (p50 $(( ${P50[$s/gateway-auth]} - ${P50[$s/gateway]} )) µs) | ≥ 0.95× | $v |"
        if [[ -n ${RPS[$s/gateway-limits]:-} ]]; then
            tcost=$(calc '%.2f' "${RPS[$s/gateway-limits]} / (${RPS[$s/gateway-auth]} > 0 ? ${RPS[$s/gateway-auth]} : 1)")
            v=$(verdict "$tcost >= 0.9")
            (( ${ERR[$s/gateway-limits]} > 0 )) && v="MISS (${ERR[$s/gateway-limits]} errors)"
            echo "| limits cost: gateway-limits / gateway-auth throughput | $s | ${tcost}× (p50 $(( ${P50[$s/gateway-limits]} - ${P50[$s/gateway-auth]} )) µs) | ≥ 0.90× | $v |"
        fi
        if [[ -n ${RPS[$s/gateway-redis]:-} ]]; then
            tcost=$(calc '%.2f' "${RPS[$s/gateway-redis]} / (${RPS[$s/gateway-auth]} > 0 ? ${RPS[$s/gateway-auth]} : 1)")
            v=-
            (( ${ERR[$s/gateway-redis]} > 0 )) && v="(${ERR[$s/gateway-redis]} errors)"
            echo "| Redis limits cost: gateway-redis / gateway-auth throughput | $s | ${tcost}× (p50 $(( ${P50[$s/gateway-redis]} - ${P50[$s/gateway-auth]} )) µs) | (info) | $v |"
        fi
    done
    # MB = 10^6 bytes (the stricter reading of the targets).
    local rss_mb after_mb size_mb
    rss_mb=$(calc '%.1f' "$RSS_IDLE_KB * 1024 / 1e6")
    after_mb=$(calc '%.1f' "$RSS_AFTER_KB * 1024 / 1e6")
    size_mb=$(calc '%.2f' "$GW_STRIPPED / 1e6")
    echo "| idle RSS (before load) | - | ${rss_mb} MB | ≤ 15 MB | $(verdict "$RSS_IDLE_KB * 1024 <= 15e6") |"
    echo "| RSS after load | - | ${after_mb} MB | (info) | - |"
    echo "| stripped binary size | - | ${size_mb} MB | ≤ 10 MB | $(verdict "$GW_STRIPPED <= 10e6") |"
    report_held
    echo
    echo "MB = 10^6 bytes. Shared, noisy machine: with REPEAT=1 expect ±10 % between identical runs."
    echo
    echo "Telemetry: $TRACE_INFO"
}

# hold_streams prints "streams=N rss_before_kb=A rss_held_kb=B rss_held_max_kb=C rss_after_kb=D
# per_stream_bytes=E settle_ms=F"; field NAME of target T's line.
held_field() { sed -n "s/.*\b$2=\([0-9-]*\).*/\1/p" <<<"${HOLD[$1]:-}"; }

# Rows of the Targets table for the held-streams scenario.
report_held() {
    [[ -n ${HOLD[gateway]:-} && -n ${HOLD[nginx]:-} ]] || return 0
    local g n gb gh ga returned
    g=$(held_field gateway per_stream_bytes)
    n=$(held_field nginx per_stream_bytes)
    echo "| memory per held SSE stream | held-$HOLD_STREAMS | $(calc '%.1f' "$g / 1000") KB (nginx $(calc '%.1f' "$n / 1000") KB) | ≤ nginx | $(verdict "$g <= $n") |"
    gb=$(held_field gateway rss_before_kb)
    gh=$(held_field gateway rss_held_max_kb)
    ga=$(held_field gateway rss_after_kb)
    returned=$(calc '%.0f' "100 * ($gh - $ga) / (($gh - $gb) > 0 ? ($gh - $gb) : 1)")
    echo "| RSS given back after the streams close | held-$HOLD_STREAMS | ${returned} % ($(calc '%.1f' "$gh * 1024 / 1e6") → $(calc '%.1f' "$ga * 1024 / 1e6") MB, idle $(calc '%.1f' "$gb * 1024 / 1e6") MB; nginx $(calc '%.1f' "$(held_field nginx rss_held_max_kb) * 1024 / 1e6") → $(calc '%.1f' "$(held_field nginx rss_after_kb) * 1024 / 1e6") MB) | (info) | - |"
}

report_held_section() {
    [[ -n ${HOLD[gateway]:-}${HOLD[nginx]:-} ]] || return 0
    echo
    echo "## Held streams (memory)"
    echo
    echo "bench/hold_streams.cpp on CPU $LOAD_CPU: $HOLD_STREAMS client connections, each a streaming chat"
    echo "completion the fake upstream holds open (head and one event at once, then one event a second),"
    echo "held ${HOLD_MS:-2000} ms after the last one started, then closed; RSS of the proxy process from"
    echo "/proc (held = peak while held, after = lowest within 3 s of the close). Measured before any"
    echo "other load, one run per target."
    echo
    echo "| target | RSS before | RSS held | per stream | RSS after close |"
    echo "|---|---:|---:|---:|---:|"
    local t
    for t in nginx gateway; do
        [[ -n ${HOLD[$t]:-} ]] || continue
        echo "| $t | $(calc '%.1f' "$(held_field $t rss_before_kb) * 1024 / 1e6") MB | $(calc '%.1f' "$(held_field $t rss_held_max_kb) * 1024 / 1e6") MB | $(calc '%.1f' "$(held_field $t per_stream_bytes) / 1000") KB | $(calc '%.1f' "$(held_field $t rss_after_kb) * 1024 / 1e6") MB |"
    done
}

report_translate() {
    echo
    echo "## Streaming translation"
    echo
    if [[ -z $TRANSLATE_TABLE ]]; then
        echo "Not measured: translate_bench missing ($TRANSLATE_BENCH)."
        return
    fi
    echo "bench/translate_bench.cpp, pinned to CPU $SERVER_CPU: native provider SSE text-delta events → OpenAI chunks."
    echo
    echo "$TRANSLATE_TABLE"
}

# The agent loop: one MCP tool turn through the gateway vs the same calls made by the client.
AGENT_TABLE="Not measured (AGENT_ITERATIONS=0)."
if (( ${AGENT_ITERATIONS:-300} > 0 )); then
    log "agent loop benchmark (node fakes + server-everything)"
    AGENT_TABLE=$(GATEWAY_BIN=$GATEWAY_BIN node "$BENCH/agent_loop_bench.mjs" "${AGENT_ITERATIONS:-300}") ||
        die "agent loop benchmark failed"
fi

report_agent() {
    echo
    echo "## Agent loop (MCP)"
    echo
    echo "bench/agent_loop_bench.mjs: the scripted model (tests/node/fakes/tool_llm.mjs) calls"
    echo "server-everything's echo once; \"directly\" is a node client making the same three calls"
    echo "itself with the official MCP SDK client. Sequential requests, not pinned."
    echo
    echo "$AGENT_TABLE"
}

mkdir -p "$(dirname "$RESULTS")"
{ report; report_held_section; report_translate; report_agent; } >"$RESULTS"
cat "$RESULTS"
log "report written to $RESULTS ($((SECONDS - T_START)) s)"
