#!/usr/bin/env bash
# Runs the benchmarks and prints one line per figure,
#   bench=<name> value=<n> unit=<..> baseline=<n> ratio=<r>
# then which of the speed goals are met.
#
#   scripts/bench.sh            full run: 100k and 1M-event ledgers, 10 s per measurement
#   scripts/bench.sh --quick    100k-event ledgers, 3 s per measurement (under 10 minutes)
#   scripts/bench.sh --no-server   skip the HTTP load part
#   scripts/bench.sh --server-only only the HTTP load part (its ratio to the library is then
#                                  not computed)
#   scripts/bench.sh --scale    only the scale figures (benches/scale.rs) of a 10M-event ledger
#                               (PL_BENCH_SCALE_SIZE=3000000 for another size), each beside
#                               its goal; building the ledger takes minutes the first time.
#                               Not run in CI, nor by the other modes.
#
# Library benches: criterion (benches/append.rs, benches/replay.rs) and benches/footprint.rs.
# The server part also runs benches/batch.rs (criterion: 10,000 updates in one request, as a
# JSON batch and as a filled sheet, to a server on 127.0.0.1; no wrk needed).
# Big ledgers are built once and cached in target/bench-data (keyed by size); delete that
# folder to rebuild them. The server part builds the `progress-ledger` binary, installs `wrk`
# with apt-get if it is missing, serves a fresh ledger on 127.0.0.1 and loads it for a fixed
# time with a fixed number of connections.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
server=1
library=1
scale=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        --no-server) server=0 ;;
        --server-only) library=0 ;;
        --scale) scale=1 ;;
        -h | --help)
            sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

started=$(date +%s)
target=${CARGO_TARGET_DIR:-target}
mkdir -p "$target/bench-data"
logs="$target/bench-data/logs"
mkdir -p "$logs"
figures="$(cd "$target/bench-data" && pwd)/figures.txt"
: >"$figures"
export PL_BENCH_FIGURES="$figures"
export PL_BENCH_QUICK=$quick
# Only this run's estimates are read: drop the previous run's.
rm -rf "$target/criterion/append" "$target/criterion/rebuild" "$target/criterion/as_of" \
    "$target/criterion/verify" "$target/criterion/batch"

step() { printf '\n== %s (%ds)\n' "$*" "$(($(date +%s) - started))" >&2; }

run_bench() {
    local name=$1
    step "cargo bench --bench $name (log: $logs/$name.log)"
    if ! cargo bench --bench "$name" >"$logs/$name.log" 2>&1; then
        tail -40 "$logs/$name.log" >&2
        echo "bench $name failed" >&2
        exit 1
    fi
    # Show criterion's one-line results as they come.
    grep -E '^[a-z_]+/[a-z0-9_]+|^ +(time|thrpt):|^bench=|events per flush|^built ' \
        "$logs/$name.log" >&2 || true
}

if [[ $scale == 1 ]]; then
    step "cargo bench --bench scale (${PL_BENCH_SCALE_SIZE:-10000000} events; log: $logs/scale.log)"
    if ! cargo bench --bench scale >"$logs/scale.log" 2>&1; then
        tail -40 "$logs/scale.log" >&2
        echo "bench scale failed" >&2
        exit 1
    fi
    grep -E '^bench=|^goal:|^built |events in its history' "$logs/scale.log"
    exit 0
fi

step "building the benches"
cargo bench --no-run >"$logs/build.log" 2>&1 || {
    tail -40 "$logs/build.log" >&2
    exit 1
}
if [[ $library == 1 ]]; then
    run_bench append
    run_bench replay
    run_bench footprint
fi

server_status="skipped (--no-server)"
if [[ $server == 1 ]]; then
    run_bench batch
    server_status="failed"
    step "server load (wrk against progress-ledger serve on 127.0.0.1)"
    if ! command -v wrk >/dev/null 2>&1; then
        echo "installing wrk with apt-get" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } \
            >"$logs/apt.log" 2>&1 || { tail -20 "$logs/apt.log" >&2; }
    fi
    if ! command -v wrk >/dev/null 2>&1; then
        server_status="not measured: wrk could not be installed"
    elif ! cargo build --release -p progress-ledger-cli >"$logs/server-build.log" 2>&1; then
        tail -20 "$logs/server-build.log" >&2
        server_status="not measured: the server does not build"
    else
        binary="$target/release/progress-ledger"
        data=$(mktemp -d "${TMPDIR:-/tmp}/pl-bench-server.XXXXXX")
        port=$((20000 + RANDOM % 20000))
        url="http://127.0.0.1:$port"
        RUST_LOG=warn "$binary" --data "$data" serve --addr "127.0.0.1:$port" \
            >"$logs/server.log" 2>&1 &
        server_pid=$!
        # Stop the server we started (by its pid) whatever happens below.
        trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$data"' EXIT
        for _ in $(seq 1 300); do
            curl -fsS "$url/health" >/dev/null 2>&1 && break
            sleep 0.1
        done
        if ! curl -fsS "$url/health" >/dev/null 2>&1; then
            tail -20 "$logs/server.log" >&2
            server_status="not measured: the server did not start"
        else
            duration=$([[ $quick == 1 ]] && echo 5 || echo 15)
            lua="$target/bench-data/append.lua"
            cat >"$lua" <<'LUA'
-- One progress update per request; no id, so every request appends a new event.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.body = '{"indicator":"t02-1-childcare-seats","type":"progress","effective":"2023-09-30","delta":1,"district":"蜀山区"}'
LUA
            before=$(curl -fsS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
            ok=1
            for conns in 16 64; do
                wrk -t2 -c"$conns" -d"${duration}s" --latency -s "$lua" "$url/v1/events" \
                    >"$logs/wrk-append-$conns.log" 2>&1 || ok=0
                python3 scripts/bench_report.py wrk "server/append_$conns" \
                    "$logs/wrk-append-$conns.log" >>"$figures" || ok=0
            done
            after=$(curl -fsS "$url/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
            echo "server: $((after - before)) events appended over HTTP" >&2
            curl -fsS "$url/v1/progress" >/dev/null || ok=0
            wrk -t2 -c16 -d"${duration}s" --latency "$url/v1/progress" \
                >"$logs/wrk-progress.log" 2>&1 || ok=0
            python3 scripts/bench_report.py wrk "server/get_progress_16" \
                "$logs/wrk-progress.log" >>"$figures" || ok=0
            # For reference: clients that revalidate what they hold (If-None-Match → 304, no
            # body). The figure above, plain GETs with the whole body, is the one the goal reads.
            etag=$(curl -fsS -D - -o /dev/null "$url/v1/progress" |
                tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p') || etag=""
            revalidated=$(curl -sS -o /dev/null -w '%{http_code}' \
                -H "If-None-Match: $etag" "$url/v1/progress") || revalidated=""
            if [[ -n $etag && $revalidated == 304 ]]; then
                revalidate="$target/bench-data/revalidate.lua"
                printf "wrk.headers[\"If-None-Match\"] = '%s'\n" "$etag" >"$revalidate"
                wrk -t2 -c16 -d"${duration}s" --latency -s "$revalidate" "$url/v1/progress" \
                    >"$logs/wrk-progress-revalidate.log" 2>&1 || ok=0
                python3 scripts/bench_report.py wrk "server/get_progress_16_revalidate" \
                    "$logs/wrk-progress-revalidate.log" >>"$figures" || ok=0
            else
                echo "server: no ETag, or If-None-Match did not answer 304 (got ${revalidated:-nothing})" >&2
                ok=0
            fi
            verified=$(curl -fsS "$url/v1/verify" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["ok"], d["events"])')
            echo "server: verify after the load: $verified" >&2
            [[ $verified == True* ]] || ok=0
            [[ $ok == 1 ]] && server_status="measured" || server_status="failed: see $logs/wrk-*.log"
        fi
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        rm -rf "$data"
        trap - EXIT
    fi
fi

step "figures"
python3 scripts/bench_report.py report \
    --criterion "$target/criterion" \
    --figures "$figures" \
    --quick "$quick" \
    --server "$server_status" \
    --elapsed "$(($(date +%s) - started))"
