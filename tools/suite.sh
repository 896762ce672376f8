# Shell functions for scripts that run the suite as a user would: `atvsld up` (the
# debug build) on free loopback ports with a fresh data folder. Source it from bash:
#   . tools/suite.sh
#   suite_binary                      # sets $atvsld (builds it with CI's selection)
#   suite_start DIR [--database-url URL]
#                                     # sets $up_pid, $p_incidents, $p_health, $p_tasks,
#                                     # $p_dashboard
#   suite_stop                        # in the caller's EXIT trap
#   stop_process PID                  # any other process the caller started
# No curl needed: the HTTP checks are Python's.

# GET URL answers 2xx.
http_ok() {
    python3 - "$1" <<'PY' 2>/dev/null
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if 200 <= r.status < 300 else 1)
PY
}

# Waits up to $2 seconds for GET $1 to answer 2xx while process $3 is alive.
wait_for() {
    local url=$1 seconds=$2 pid=$3 i
    for ((i = 0; i < seconds * 4; i++)); do
        http_ok "$url" && return 0
        kill -0 "$pid" 2>/dev/null || { echo "the process behind $url exited" >&2; return 1; }
        sleep 0.25
    done
    echo "$url not ready after $seconds s" >&2
    return 1
}

# N free loopback ports, on one line.
free_ports() {
    python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))' "$1"
}

# The debug atvsld binary, or $ATVSLD_BIN. Built with the same selection as
# `cargo test --workspace` (CI's step before), so it reuses that build instead of
# re-unifying features; nothing to do when it is fresh.
suite_binary() {
    if [ -n "${ATVSLD_BIN:-}" ]; then
        atvsld=$ATVSLD_BIN
    else
        export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/atvsld/target}"
        cargo test --workspace --no-run --quiet
        atvsld=$CARGO_TARGET_DIR/debug/atvsld
    fi
    [ -x "$atvsld" ] || { echo "no atvsld binary at $atvsld" >&2; return 1; }
}

# Starts the suite with its data folder (keys, SQLite files) in DIR/data and its log
# in DIR/up.log; extra arguments go to `atvsld up`.
suite_start() {
    local dir=$1 port
    shift
    read -r p_incidents p_health p_tasks p_dashboard < <(free_ports 4)
    NO_COLOR=1 "$atvsld" up --host 127.0.0.1 --data-dir "$dir/data" \
        --incidents-port "$p_incidents" --health-stats-port "$p_health" \
        --tasks-port "$p_tasks" --dashboard-port "$p_dashboard" "$@" >"$dir/up.log" 2>&1 &
    up_pid=$!
    for port in "$p_incidents" "$p_health" "$p_tasks"; do
        wait_for "http://127.0.0.1:$port/readyz" 60 "$up_pid" || {
            tail -n 40 "$dir/up.log" >&2
            return 1
        }
    done
}

# Stops process $1 if it runs: TERM, then KILL after 10 s. (TERM, not INT: a
# background job of a non-interactive shell ignores SIGINT.)
stop_process() {
    [ -n "${1:-}" ] || return 0
    kill -TERM "$1" 2>/dev/null || true
    for _ in $(seq 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$1" 2>/dev/null || true
}

# Stops the suite.
suite_stop() {
    stop_process "${up_pid:-}"
    up_pid=""
}
