#!/bin/sh
# Creates the secrets deploy/compose.yaml mounts, where they are missing, in deploy/secrets/:
#   db_password    PostgreSQL's password for the role traceboard
#   cookie_secret  Streamlit's cookie secret, the same for every replica
#   audit_key      the Ed25519 key (PEM) that signs the audit log's checkpoints
# Compose mounts each file into the containers as it is on the host, so ownership matters: the
# audit key must be readable by the app's user (uid 10001) and by nobody else, which needs root
# (run with sudo); the two others are read by PostgreSQL (uid 999) too. The folder itself is the
# owner's only. Keep a copy of these files apart from the backups: never inside them.
set -eu
cd "$(dirname "$0")"
APP_UID=10001
mkdir -p secrets
chmod 700 secrets
for name in db_password cookie_secret; do
    if [ ! -s "secrets/$name" ]; then
        python3 -c 'import secrets; print(secrets.token_urlsafe(32))' >"secrets/$name"
        chmod 644 "secrets/$name"
        echo "created deploy/secrets/$name"
    fi
done
if [ ! -s secrets/audit_key ]; then
    (umask 077 && openssl genpkey -algorithm ed25519 -out secrets/audit_key)
    echo "created deploy/secrets/audit_key"
fi
chown "$APP_UID:$APP_UID" secrets/audit_key
chmod 600 secrets/audit_key
