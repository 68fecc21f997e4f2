#!/usr/bin/env bash
# Runs once, on the first start of the postgres container (docker-entrypoint-initdb.d), as the
# superuser. Creates what libs/database/src/provision.ts creates for the embedded database:
#   mend_owner  owns the database and the tables, runs migrations (BYPASSRLS, CREATEROLE)
#   mend_app    what the API and worker connect as: no superuser, no owner, no BYPASSRLS,
#               so row-level security applies to every query it makes
# Passwords come from the environment (MEND_OWNER_PASSWORD, MEND_APP_PASSWORD) and are
# passed to psql as variables, so they are quoted by psql, never spliced into SQL by the shell.
set -euo pipefail

: "${MEND_OWNER_PASSWORD:?set MEND_OWNER_PASSWORD}"
: "${MEND_APP_PASSWORD:?set MEND_APP_PASSWORD}"
MEND_DATABASE="${MEND_DATABASE:-mend}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-postgres}" \
  -v owner_password="$MEND_OWNER_PASSWORD" \
  -v app_password="$MEND_APP_PASSWORD" \
  -v database="$MEND_DATABASE" <<'SQL'
SELECT format('CREATE ROLE mend_owner LOGIN NOSUPERUSER BYPASSRLS CREATEROLE PASSWORD %L', :'owner_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mend_owner') \gexec
SELECT format('CREATE ROLE mend_app LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD %L', :'app_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mend_app') \gexec
SELECT format('CREATE DATABASE %I OWNER mend_owner', :'database')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'database') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO mend_app', :'database') \gexec
SQL

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$MEND_DATABASE" <<'SQL'
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
