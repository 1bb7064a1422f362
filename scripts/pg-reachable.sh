#!/usr/bin/env bash
# Exit 0 when the PostgreSQL server of the database URL $1 accepts a connection.
# Connects to its "postgres" maintenance database, as Django's test runner does
# before it creates the test database, so the named database need not exist yet.
# Usage: scripts/pg-reachable.sh postgres://user@host:port/name [python]
set -euo pipefail
URL="$1"
PYTHON="${2:-.venv/bin/python}"
"$PYTHON" - "$URL" <<'PY'
import sys

import dj_database_url
import psycopg

db = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()
except psycopg.Error as error:
    print(f"PostgreSQL not reachable: {str(error).strip()}", file=sys.stderr)
    sys.exit(1)
PY
