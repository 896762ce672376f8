#!/bin/bash
# Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): one role and one database per service, each service
# owning its own database. Passwords come from files, never from the environment:
# $ATVSLD_DB_PASSWORD_DIR/<service>_db_password.
set -euo pipefail
dir="${ATVSLD_DB_PASSWORD_DIR:-/run/secrets}"
for service in incidents health_stats tasks; do
    password_file="$dir/${service}_db_password"
    if [ ! -s "$password_file" ]; then
        echo "init-databases: $password_file is missing or empty" >&2
        exit 1
    fi
    password="$(tr -d '\r\n' < "$password_file")"
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
        -v role="$service" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
