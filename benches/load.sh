#!/usr/bin/env bash
# Load test: the release server on a fresh SQLite file with the demo registry, on a
# free loopback port, driven by wrk with a mixed read/write workload (benches/load.lua)
# for a bounded time. Reports throughput, p50/p99 latency, non-2xx answers and socket
# errors, and the server's peak memory (VmHWM) with its RSS and SQLite's own memory (from
# /metrics: its page caches fill up to their bound as the run touches pages) sampled
# during the run.
#
# Usage: benches/load.sh
#
# Environment:
#   DURATION     how long wrk runs, in seconds (default 60)
#   CONNECTIONS  open connections (default 32); THREADS wrk threads (default 1)
#   WORKERS      server worker threads (default: one per core)
#   SAMPLE_EVERY seconds between RSS samples (default 5)
#   BIN          server binary (default: target/release/coop-registry, built here)
#   TOKEN        sent as `Authorization: Bearer $TOKEN` with the writes (default: a
#                reviewer token the script issues with `coop-registry token create`)
#   RUST_LOG     server log filter (default info: one line per request, to a file)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

duration=${DURATION:-60}
duration=${duration%s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-1}
sample_every=${SAMPLE_EVERY:-5}

if [ -z "${BIN:-}" ]; then
    cargo build --release --locked --bin coop-registry
    BIN=${CARGO_TARGET_DIR:-target}/release/coop-registry
fi

if ! command -v wrk >/dev/null 2>&1; then
    echo "load: installing wrk"
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/coop-load.XXXXXX")
server_pid=""
sampler_pid=""
cleanup() {
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

db="$work/load.db"
"$BIN" --database-url "$db" seed-demo >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
worker_args=()
[ -n "${WORKERS:-}" ] && worker_args=(--workers "$WORKERS")
# No rate limit: all the load comes from one address.
RATE_LIMIT_PER_MINUTE=0 RUST_LOG="${RUST_LOG:-info}" NO_COLOR=1 \
    "$BIN" --database-url "$db" serve --bind "127.0.0.1:$port" "${worker_args[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    curl -fsS "$base/readyz" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done

# Ids of active cooperatives, for detail pages and changes.
curl -fsS "$base/api/v1/cooperatives?limit=200&status=active" |
    python3 -c 'import json, sys; print("return {" + ",".join(str(i["id"]) for i in json.load(sys.stdin)["items"]) + "}")' \
        >"$work/ids.lua"

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status"; }
sqlite_kib() { curl -fsS "$base/metrics" | awk '$1 == "sqlite_memory_bytes" { print int($2 / 1024) }'; }
echo "load: server $BIN (pid $server_pid) on $base, RSS before load $(rss) kB"
(
    while kill -0 "$server_pid" 2>/dev/null; do
        printf '%s\n' "$(rss)" >>"$work/rss"
        printf '%s\n' "$(sqlite_kib)" >>"$work/sqlite"
        sleep "$sample_every"
    done
) &
sampler_pid=$!

# Writes need a token: a reviewer's, issued with the command line, unless TOKEN is set.
if [ -z "${TOKEN:-}" ]; then
    TOKEN=$(RUST_LOG=warn "$BIN" --database-url "$db" token create --name "load test" --role reviewer)
fi

echo "load: wrk -t$threads -c$connections -d${duration}s --latency -s benches/load.lua $base"
LOAD_IDS="$work/ids.lua" LOAD_TAG="$(date +%s)" TOKEN="${TOKEN:-}" \
    wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 5s --latency -s benches/load.lua "$base" |
    tee "$work/wrk.txt"

kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$server_pid/status")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.txt")
p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt")
socket_errors=$(awk '/Socket errors/ { print }' "$work/wrk.txt")
echo
echo "== load test summary (${duration}s, $connections connections) =="
echo "throughput:   $rps requests/s"
echo "latency:      p50 $p50, p99 $p99"
echo "non-2xx:      ${non2xx:-0}"
echo "errors:       ${socket_errors:-none}"
echo "server 5xx in log: $(grep -c 'status=5[0-9][0-9]' "$work/server.log" || true)"
echo "peak memory:  VmHWM $hwm kB"
echo "RSS (kB) every ${sample_every}s: $(paste -sd' ' "$work/rss")"
echo "SQLite (kB) every ${sample_every}s: $(paste -sd' ' "$work/sqlite")"
