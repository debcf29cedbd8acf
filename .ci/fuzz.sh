#!/usr/bin/env bash
# Fuzz the live API with schemathesis: start the server built from this commit
# on a database, let schemathesis test every operation in every phase
# (examples, coverage, fuzzing, stateful) with every applicable check, and
# fail on any failure or error.
#
# Usage: .ci/fuzz.sh [DATABASE_URL [SERVER_BINARY]]
#
#   DATABASE_URL   what the server is started with (a SQLite path or a
#                  postgres:// URL). It should name an empty database: the
#                  server loads the demo registry into it (serve --demo).
#                  Default: a fresh SQLite file in a temp dir.
#   SERVER_BINARY  default $CARGO_TARGET_DIR (or target)/debug/coop-registry, built by cargo test.
#
# Environment:
#   SCHEMATHESIS_VENV     venv to install schemathesis into, reused when it
#                         already holds the pinned version
#                         (default target/schemathesis-venv)
#   SCHEMATHESIS_VERSION  default 4.32.5
#   PYTHON                interpreter for the venv (default python3)
#   FUZZ_SEED             default 1; FUZZ_MAX_EXAMPLES default 25;
#   FUZZ_READY_TIMEOUT    seconds to wait for /readyz (default 300: loading the demo registry into PostgreSQL on a busy 2-core machine takes minutes)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

db_url=${1:-}
bin=${2:-${CARGO_TARGET_DIR:-target}/debug/coop-registry}
st_version=${SCHEMATHESIS_VERSION:-4.32.5}
venv=${SCHEMATHESIS_VENV:-target/schemathesis-venv}
python=${PYTHON:-python3}
seed=${FUZZ_SEED:-1}
max_examples=${FUZZ_MAX_EXAMPLES:-25}
ready_timeout=${FUZZ_READY_TIMEOUT:-300}

case $venv in
/*) ;;
*) venv=$PWD/$venv ;;
esac

if [ ! -x "$bin" ]; then
    echo "fuzz: server binary $bin not found; build it first (cargo build)" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/coop-fuzz.XXXXXX")
server_pid=""
server_log="$work/server.log"

cleanup() {
    local rc=$?
    if [ -n "$server_pid" ]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ "$rc" -ne 0 ] && [ -s "$server_log" ]; then
        echo "---- fuzz: last 60 lines of the server log ----" >&2
        tail -n 60 "$server_log" >&2 || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "$db_url" ]; then
    db_url="$work/fuzz.db"
fi

# --- schemathesis, pinned, in a venv of its own ------------------------------
if [ "$("$venv/bin/st" --version 2>/dev/null || true)" != "st, version $st_version" ]; then
    echo "fuzz: installing schemathesis==$st_version into $venv"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "schemathesis==$st_version"
fi
"$venv/bin/st" --version

# --- the server ---------------------------------------------------------------
free_port() {
    "$python" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# 200 from /readyz within the timeout, while the server is still running.
wait_ready() {
    local deadline=$((SECONDS + ready_timeout))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            return 2
        fi
        if "$python" - "$1" <<'EOF' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
EOF
            return 0
        fi
        sleep 0.5
    done
    return 1
}

# Writes need a token: a reviewer's (the provincial office) reaches every write
# of the register; admin-only and district-only operations answer their
# documented 403, and without the header every protected one its 401.
token=$(DATABASE_URL="$db_url" RUST_LOG=warn "$bin" token create --name "schemathesis" --role reviewer)

# The probed port is only free until the probe closes it: retry if another
# process grabbed it before the server bound it.
for attempt in 1 2 3; do
    port=$(free_port)
    base="http://127.0.0.1:$port"
    echo "fuzz: starting $bin serve --demo on $base (database $db_url)"
    start=$SECONDS
    # Rate limiting off: schemathesis sends far more than a client should.
    DATABASE_URL="$db_url" RUST_LOG="${RUST_LOG:-info}" NO_COLOR=1 RATE_LIMIT_PER_MINUTE=0 \
        "$bin" serve --demo --bind "127.0.0.1:$port" >"$server_log" 2>&1 &
    server_pid=$!
    rc=0
    wait_ready "$base/readyz" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo "fuzz: server ready after $((SECONDS - start))s"
        break
    fi
    if [ "$rc" -eq 1 ]; then
        echo "fuzz: server not ready after ${ready_timeout}s" >&2
        exit 1
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    if [ "$attempt" -eq 3 ] || ! grep -qi "address already in use" "$server_log"; then
        echo "fuzz: the server exited before it was ready" >&2
        exit 1
    fi
    echo "fuzz: port $port was taken, retrying" >&2
done

# --- schemathesis --------------------------------------------------------------
# Every check except positive_data_acceptance (ST202). It expects a 2xx (or
# 404/409) for every request that matches the JSON Schema, but the API rightly
# answers its documented 400/422 problem+json for rules the OpenAPI document
# cannot express: ids that must name existing records (provinces, districts,
# sectors, cooperatives, unions), dates relative to today ("not in the future")
# or to other records (not before the registration date, after the last status
# change), and opaque pagination cursors that only the server can issue. When
# changing validation, run once with `--checks all` and read its ST202
# failures: each should be one of these, not a schema that says too little.
# ignored_auth checks that every operation with a security requirement refuses
# a request without the token.
st_cmd=(
    "$venv/bin/st" run "$base/api/openapi.json" --url "$base"
    --checks all
    --exclude-checks positive_data_acceptance
    --phases examples,coverage,fuzzing,stateful
    --max-examples "$max_examples"
    --workers 2
    --seed "$seed"
    --generation-database none
    --request-timeout 30
    --no-color
    --header "Authorization: Bearer $token"
)
echo "fuzz: ${st_cmd[*]/$token/<token>}"
start=$SECONDS
rc=0
# Run from the temp dir: schemathesis and hypothesis keep caches (.schemathesis/,
# .hypothesis/) in the working directory, and a cache replayed from an earlier
# run would make runs depend on each other.
(cd "$work" && "${st_cmd[@]}") || rc=$?
echo "fuzz: schemathesis finished in $((SECONDS - start))s with exit code $rc"
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fuzz: the server died during the run" >&2
    rc=1
elif grep -q "panicked" "$server_log"; then
    echo "fuzz: the server panicked during the run:" >&2
    grep -m 5 -A 3 "panicked" "$server_log" >&2 || true
    rc=1
fi
exit "$rc"
