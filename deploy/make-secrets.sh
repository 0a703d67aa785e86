#!/bin/sh
# Creates deploy/secrets/{db_password,cookie_secret,audit_key} where they are missing.
# The directory is the owner's only; the files in it are world-readable because compose mounts each
# file as it is into containers that run as other users (PostgreSQL as 999, traceboard as 10001).
# Keep a copy of the secrets apart from the backups: a restore needs the audit key.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 700 secrets
for name in db_password cookie_secret audit_key; do
    if [ ! -s "secrets/$name" ]; then
        python3 -c 'import secrets; print(secrets.token_urlsafe(32))' > "secrets/$name"
        chmod 644 "secrets/$name"
        echo "created deploy/secrets/$name"
    fi
done
