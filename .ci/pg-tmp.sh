# shellcheck shell=bash
# Throw-away PostgreSQL cluster for tests, benchmarks and ad-hoc scripts.
#
# Source this file, then:
#
#   trap pg_tmp_stop EXIT        # set the trap first: it also cleans up a half-started cluster
#   pg_tmp_start                 # initdb + start on a free port on 127.0.0.1
#   TEST_POSTGRES_URL="$PG_TMP_URL" cargo test
#
# pg_tmp_start exports:
#   PG_TMP_URL   postgres://postgres@127.0.0.1:PORT/postgres (superuser "postgres", trust auth)
#   PG_TMP_PORT  the TCP port
#   PG_TMP_DIR   temp dir holding data/, sock/ (Unix socket dir) and postgres.log
#   PG_TMP_BIN   directory of initdb / pg_ctl / postgres that was used
#
# pg_tmp_stop stops the server (immediate mode) and removes PG_TMP_DIR. It is
# idempotent, never fails, and is a no-op when nothing was started.
#
# When run as root the cluster belongs to the "postgres" user (initdb refuses
# to run as root); if that user does not exist, "nobody" is used. Otherwise it
# runs as the current user. Set PG_TMP_BIN beforehand to force a bin dir.

# Print the directory holding initdb, pg_ctl and postgres: the one found on
# PATH if all three are there, else the highest /usr/lib/postgresql/<ver>/bin.
pg_tmp_bindir() {
    local dir cand
    if [ -n "${PG_TMP_BIN:-}" ] && [ -x "$PG_TMP_BIN/initdb" ]; then
        printf '%s\n' "$PG_TMP_BIN"
        return 0
    fi
    if cand=$(command -v pg_ctl 2>/dev/null); then
        dir=$(dirname "$cand")
        if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
            printf '%s\n' "$dir"
            return 0
        fi
    fi
    # Highest version wins; sort -V so that "9.6" sorts before "15".
    dir=$(for cand in /usr/lib/postgresql/*/bin; do
        if [ -x "$cand/initdb" ] && [ -x "$cand/pg_ctl" ] && [ -x "$cand/postgres" ]; then
            printf '%s\n' "$cand"
        fi
    done | sort -V | tail -n 1)
    [ -n "$dir" ] || return 1
    printf '%s\n' "$dir"
}

# Run a command as the cluster owner, from inside PG_TMP_DIR (so that a cwd
# the owner cannot read, e.g. /root/..., does not produce warnings).
_pg_tmp_as_owner() {
    if [ -n "${_PG_TMP_USER:-}" ]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$PG_TMP_DIR" && runuser -u "$_PG_TMP_USER" -- "$@")
        else
            local q
            q=$(printf '%q ' "$@")
            (cd "$PG_TMP_DIR" && su -s /bin/sh "$_PG_TMP_USER" -c "$q")
        fi
    else
        (cd "$PG_TMP_DIR" && "$@")
    fi
}

_pg_tmp_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

pg_tmp_start() {
    local parent attempt port

    if [ -n "${PG_TMP_DIR:-}" ] && [ -d "$PG_TMP_DIR" ]; then
        echo "pg_tmp_start: a cluster is already running in $PG_TMP_DIR" >&2
        return 1
    fi

    PG_TMP_BIN=$(pg_tmp_bindir) || {
        echo "pg_tmp_start: PostgreSQL server binaries (initdb, pg_ctl, postgres) not found" >&2
        return 1
    }
    export PG_TMP_BIN

    _PG_TMP_USER=""
    parent=${TMPDIR:-/tmp}
    if [ "$(id -u)" -eq 0 ]; then
        if id -u postgres >/dev/null 2>&1; then
            _PG_TMP_USER=postgres
        else
            _PG_TMP_USER=nobody
        fi
        # TMPDIR may be somewhere the cluster owner cannot enter.
        parent=/tmp
    fi

    PG_TMP_DIR=$(mktemp -d "$parent/pg-tmp.XXXXXX") || return 1
    export PG_TMP_DIR
    mkdir -m 700 "$PG_TMP_DIR/sock" || return 1
    if [ -n "$_PG_TMP_USER" ]; then
        chown -R "$_PG_TMP_USER:" "$PG_TMP_DIR" || return 1
    fi

    echo "pg_tmp: $("$PG_TMP_BIN/postgres" --version) from $PG_TMP_BIN," \
        "owner ${_PG_TMP_USER:-$(id -un)}, dir $PG_TMP_DIR"

    # initdb removes the data dir it created if it fails, so a retry with
    # another locale starts clean.
    # (Output redirections go on subshells, not on function calls: a redirected
    # function call would also capture the caller's EXIT/signal trap output.)
    if ! (_pg_tmp_as_owner "$PG_TMP_BIN/initdb" -D "$PG_TMP_DIR/data" -A trust -U postgres \
        --encoding=UTF8 --locale=C.UTF-8) >"$PG_TMP_DIR/initdb.log" 2>&1; then
        echo "pg_tmp: initdb with --locale=C.UTF-8 failed, retrying with --locale=C" >&2
        rm -rf "$PG_TMP_DIR/data"
        if ! (_pg_tmp_as_owner "$PG_TMP_BIN/initdb" -D "$PG_TMP_DIR/data" -A trust -U postgres \
            --encoding=UTF8 --locale=C) >"$PG_TMP_DIR/initdb.log" 2>&1; then
            echo "pg_tmp: initdb failed:" >&2
            cat "$PG_TMP_DIR/initdb.log" >&2
            return 1
        fi
    fi

    # The free port is only reserved until the probe socket closes; retry on
    # the (unlikely) race with another process grabbing it.
    for attempt in 1 2 3; do
        port=$(_pg_tmp_free_port) || return 1
        if (_pg_tmp_as_owner "$PG_TMP_BIN/pg_ctl" -D "$PG_TMP_DIR/data" \
            -o "-p $port -k $PG_TMP_DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
            -w -t 60 -l "$PG_TMP_DIR/postgres.log" start) >/dev/null; then
            export PG_TMP_PORT=$port
            export PG_TMP_URL="postgres://postgres@127.0.0.1:$port/postgres"
            echo "pg_tmp: listening on 127.0.0.1:$port ($PG_TMP_URL)"
            return 0
        fi
        echo "pg_tmp: start attempt $attempt on port $port failed" >&2
    done
    echo "pg_tmp: could not start PostgreSQL; last lines of $PG_TMP_DIR/postgres.log:" >&2
    tail -n 30 "$PG_TMP_DIR/postgres.log" >&2 || true
    return 1
}

# Print the end of the server log (for diagnosing a failed test run).
pg_tmp_log_tail() {
    if [ -n "${PG_TMP_DIR:-}" ] && [ -f "$PG_TMP_DIR/postgres.log" ]; then
        echo "---- last ${1:-50} lines of $PG_TMP_DIR/postgres.log ----" >&2
        tail -n "${1:-50}" "$PG_TMP_DIR/postgres.log" >&2 || true
    fi
}

pg_tmp_stop() {
    local pid=""
    if [ -z "${PG_TMP_DIR:-}" ] || [ ! -d "$PG_TMP_DIR" ]; then
        return 0
    fi
    if [ -f "$PG_TMP_DIR/data/postmaster.pid" ]; then
        pid=$(head -n 1 "$PG_TMP_DIR/data/postmaster.pid" 2>/dev/null || true)
        if ! _pg_tmp_as_owner "$PG_TMP_BIN/pg_ctl" -D "$PG_TMP_DIR/data" -m immediate -w stop >/dev/null 2>&1; then
            # Last resort: kill the postmaster we started, if it is still
            # running (an exited one may linger as a zombie until reaped).
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
                [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" != "Z" ]; then
                echo "pg_tmp: pg_ctl stop failed, killing postmaster $pid" >&2
                kill -KILL "$pid" 2>/dev/null || true
            fi
        fi
    fi
    rm -rf "$PG_TMP_DIR" || true
    echo "pg_tmp: stopped and removed $PG_TMP_DIR"
    unset PG_TMP_DIR PG_TMP_URL PG_TMP_PORT
    return 0
}
