#!/usr/bin/env bash
# `make cluster` / `make cluster-stop`: the topology of deploy/compose.yaml on this machine, on
# loopback, without a container engine: the local PostgreSQL (a database of its own), two app
# replicas (deploy/entrypoint.sh serve, as in the image) and Debian's nginx running deploy/nginx.conf
# itself, unprivileged (as the invoking user; started by root, as TRACEBOARD_CLUSTER_NGINX_USER,
# nobody), with its prefix, pid and temporary files under the cluster directory.
#
#   deploy/cluster.sh start    migrate once, start the replicas and the proxy, print the URL
#   deploy/cluster.sh stop     end exactly the processes `start` recorded in its pid files
#
# Settings (environment):
#   TRACEBOARD_CLUSTER_DIR           var/cluster: pid files, logs, nginx prefix, cookie secret
#   TRACEBOARD_CLUSTER_PORT          8500: the proxy (the URL users open)
#   TRACEBOARD_CLUSTER_APP_PORTS     "8511 8512": one replica per port
#   TRACEBOARD_CLUSTER_DATABASE_URL  postgresql+psycopg://postgres@127.0.0.1:5432/traceboard_cluster
#   TRACEBOARD_CLUSTER_DEMO          6000: enterprises of the demo city written into an empty database
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${TRACEBOARD_CLUSTER_DIR:-$ROOT/var/cluster}
PROXY_PORT=${TRACEBOARD_CLUSTER_PORT:-8500}
APP_PORTS=${TRACEBOARD_CLUSTER_APP_PORTS:-8511 8512}
DB_URL=${TRACEBOARD_CLUSTER_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/traceboard_cluster}
DEMO=${TRACEBOARD_CLUSTER_DEMO:-6000}
BIN=${TRACEBOARD_BIN:-$ROOT/.venv/bin}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
NGINX_USER=${TRACEBOARD_CLUSTER_NGINX_USER:-nobody}
PY="$BIN/python"

log() { echo "cluster: $*" >&2; }

# A pid file's process, if it is still the one we started (pids are reused).
live_pid() {
    local file=$1 name=$2 pid
    [ -s "$file" ] || return 1
    pid=$(cat "$file")
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$name" || return 1
    echo "$pid"
}

wait_http() {  # url seconds
    "$PY" - "$1" "$2" <<'PY'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        if urllib.request.urlopen(url, timeout=2).status == 200:
            sys.exit(0)
    except OSError:
        time.sleep(0.3)
sys.exit(f"no answer from {url}")
PY
}

create_database() {
    "$PY" - "$DB_URL" <<'PY'
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
if url.get_backend_name() == "postgresql":
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}):
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
            print(f"cluster: created database {url.database}", file=sys.stderr)
    admin.dispose()
PY
}

start_app() {
    local port=$1
    (cd "$ROOT" && TRACEBOARD_BIND=127.0.0.1 TRACEBOARD_PORT=$port \
        exec "$ROOT/deploy/entrypoint.sh" serve) >"$DIR/app-$port.log" 2>&1 &
    echo $! >"$DIR/app-$port.pid"
}

start() {
    for file in "$DIR"/app-*.pid "$DIR"/nginx.pid; do
        if live_pid "$file" "" >/dev/null; then
            log "already running ($file); run make cluster-stop first"
            exit 1
        fi
    done
    mkdir -p "$DIR/nginx" "$DIR/var"
    export PATH="$BIN:$PATH" TRACEBOARD_DATABASE_URL="$DB_URL" TRACEBOARD_VAR_DIR="$DIR/var"
    create_database
    # Migrations run once, before any replica starts (as the compose file's migrate service).
    "$ROOT/deploy/entrypoint.sh" migrate
    if [ ! -s "$DIR/cookie_secret" ]; then
        (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(32))' >"$DIR/cookie_secret")
    fi
    export TRACEBOARD_COOKIE_SECRET_FILE="$DIR/cookie_secret"
    : >"$DIR/nginx/traceboard-upstream.conf"
    for port in $APP_PORTS; do
        start_app "$port"
        echo "server 127.0.0.1:$port max_fails=1 fail_timeout=10s;" >>"$DIR/nginx/traceboard-upstream.conf"
    done
    echo "listen 127.0.0.1:$PROXY_PORT;" >"$DIR/nginx/traceboard-listen.conf"
    # The very file the image uses; its relative includes resolve next to the link.
    ln -sfn "$ROOT/deploy/nginx.conf" "$DIR/nginx/nginx.conf"
    : >"$DIR/nginx.log"
    local nginx=("$NGINX" -p "$DIR/nginx/" -c "$DIR/nginx/nginx.conf") as_user=()
    # Started by root, nginx still runs unprivileged: as NGINX_USER, who owns its prefix and log.
    if [ "$(id -u)" = 0 ]; then
        local unprivileged=(setpriv --reuid="$NGINX_USER" --regid="$(id -g "$NGINX_USER")" --clear-groups --)
        if "${unprivileged[@]}" test -r "$DIR/nginx/nginx.conf" -a -x "$DIR"; then
            chown -R "$NGINX_USER:" "$DIR/nginx" "$DIR/nginx.log"
            as_user=("${unprivileged[@]}")
        else
            log "$NGINX_USER cannot reach $DIR or deploy/nginx.conf: nginx runs as root"
        fi
    fi
    # Output to the log, which the access log (/dev/stdout) then opens again as that user.
    "${as_user[@]}" "${nginx[@]}" -t -q >>"$DIR/nginx.log" 2>&1 || { cat "$DIR/nginx.log" >&2; stop; exit 1; }
    "${as_user[@]}" "${nginx[@]}" -g 'daemon off;' >>"$DIR/nginx.log" 2>&1 &
    echo $! >"$DIR/nginx.pid"
    # While the replicas boot: the demo city, into an empty database only.
    traceboard demo --if-empty --enterprises "$DEMO" || { stop; exit 1; }
    for port in $APP_PORTS; do
        wait_http "http://127.0.0.1:$port/_stcore/health" 90 || { tail -20 "$DIR/app-$port.log" >&2; stop; exit 1; }
    done
    wait_http "http://127.0.0.1:$PROXY_PORT/_stcore/health" 30 || { tail -20 "$DIR/nginx.log" >&2; stop; exit 1; }
    echo "traceboard cluster: http://127.0.0.1:$PROXY_PORT  (replicas on $APP_PORTS, logs in $DIR; make cluster-stop ends it)"
}

stop() {
    local file pid pids=()
    for file in "$DIR"/app-*.pid "$DIR"/nginx.pid; do
        [ -e "$file" ] || continue
        case $file in *nginx.pid) name=nginx ;; *) name=streamlit ;; esac
        if pid=$(live_pid "$file" "$name"); then
            kill -TERM "$pid"
            pids+=("$pid")
        fi
        rm -f "$file"
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    done
    log "stopped ${#pids[@]} process(es)"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
