#!/bin/sh
# traceboard's process launcher: the image's entry point, and `make cluster`'s for each replica.
#
#   serve            one app replica: the dashboard on TRACEBOARD_BIND:TRACEBOARD_PORT (0.0.0.0:8501)
#   migrate          create or upgrade the schema and the reference data; on a new database also
#                    create the account `admin` and print its password once (run once, before replicas)
#   backup-nightly   one backup at start, then one every night at TRACEBOARD_BACKUP_AT (02:30, local
#                    time) into TRACEBOARD_BACKUP_DIR (/backups); files older than
#                    TRACEBOARD_BACKUP_KEEP_DAYS (30) are removed
#   anything else    a traceboard command: `backup --out FILE`, `restore FILE`, `audit verify`, ...
#
# Secrets come as files (compose secrets), never in the image: TRACEBOARD_DATABASE_PASSWORD_FILE is
# read by traceboard itself; Streamlit takes its cookie secret from the environment only, so
# TRACEBOARD_COOKIE_SECRET_FILE is read here. Every replica needs the same cookie secret.
set -eu

if [ -n "${TRACEBOARD_COOKIE_SECRET_FILE:-}" ]; then
    STREAMLIT_SERVER_COOKIE_SECRET="$(cat "$TRACEBOARD_COOKIE_SECRET_FILE")"
    export STREAMLIT_SERVER_COOKIE_SECRET
fi

backup_once() {
    # Owner-only files: a backup holds the whole record.
    file="$TRACEBOARD_BACKUP_DIR/traceboard-$(date +%Y%m%d-%H%M%S).jsonl.gz"
    if (umask 077 && traceboard backup --out "$file"); then
        find "$TRACEBOARD_BACKUP_DIR" -name 'traceboard-*.jsonl.gz' -mtime "+$TRACEBOARD_BACKUP_KEEP_DAYS" -delete
    else
        echo "traceboard backup FAILED at $(date -Is)" >&2
    fi
}

case "${1:-serve}" in
serve)
    app="$(python -c 'import importlib.util as u; print(u.find_spec("traceboard").submodule_search_locations[0])')/dashboard/app.py"
    exec python -m streamlit run "$app" \
        --server.address "${TRACEBOARD_BIND:-0.0.0.0}" \
        --server.port "${TRACEBOARD_PORT:-8501}" \
        --server.headless true \
        --browser.gatherUsageStats false
    ;;
migrate)
    traceboard init
    exec traceboard user ensure-admin
    ;;
backup-nightly)
    : "${TRACEBOARD_BACKUP_DIR:=/backups}" "${TRACEBOARD_BACKUP_AT:=02:30}" "${TRACEBOARD_BACKUP_KEEP_DAYS:=30}"
    backup_once
    while :; do
        now=$(date +%s)
        next=$(date -d "today $TRACEBOARD_BACKUP_AT" +%s)
        [ "$next" -gt "$now" ] || next=$(date -d "tomorrow $TRACEBOARD_BACKUP_AT" +%s)
        sleep $((next - now))
        backup_once
    done
    ;;
*)
    exec traceboard "$@"
    ;;
esac
