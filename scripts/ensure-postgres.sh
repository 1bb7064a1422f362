#!/usr/bin/env bash
# Make sure PostgreSQL 15 runs, has pgvector, and the working database has the
# extension (and template1 too, so Django's test databases inherit it).
#
# The "vector" extension is not trusted: only a superuser may create it, which is
# why it goes into template1 here rather than into each test database at test time.
# Environment: PGHOST (127.0.0.1), PGPORT (5432), PGSUPERUSER (postgres),
#              CORRIDOR_PG_DATABASE (corridor).
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}"
SUPERUSER="${PGSUPERUSER:-postgres}"
DATABASE="${CORRIDOR_PG_DATABASE:-corridor}"
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf '[postgres] %s\n' "$*"; }

if [ ! -x "$PG_BIN/postgres" ]; then
    log "PostgreSQL 15 is not installed (no $PG_BIN/postgres); install Debian's postgresql-15" >&2
    exit 1
fi

if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
    log "not accepting connections on $PGHOST:$PGPORT: starting cluster 15/main"
    # No systemd on these machines: start the cluster directly.
    pg_ctlcluster --skip-systemctl-redirect 15 main start
    for _ in $(seq 1 30); do
        pg_isready -q -h "$PGHOST" -p "$PGPORT" && break
        sleep 1
    done
    pg_isready -h "$PGHOST" -p "$PGPORT"
fi

bash scripts/install-pgvector.sh

psql_super() {
    PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -U "$SUPERUSER" "$@"
}

if ! psql_super -d postgres -tAc "select 1 from pg_database where datname = '$DATABASE'" | grep -q 1; then
    log "creating database $DATABASE"
    psql_super -d postgres -c "CREATE DATABASE \"$DATABASE\""
fi
for db in template1 "$DATABASE"; do
    psql_super -d "$db" -c "CREATE EXTENSION IF NOT EXISTS vector"
    log "$db: vector $(psql_super -d "$db" -tAc "select extversion from pg_extension where extname = 'vector'")"
done
