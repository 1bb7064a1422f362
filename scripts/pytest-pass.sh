#!/usr/bin/env bash
# Run one labelled pytest pass; "no tests collected" (exit 5) counts as a failure.
# Usage: scripts/pytest-pass.sh LABEL [pytest arguments...]
set -uo pipefail
LABEL="$1"
shift
PYTEST="${PYTEST:-.venv/bin/pytest}"

printf '\n==== pytest on %s ====\n' "$LABEL"
"$PYTEST" "$@"
status=$?
case "$status" in
    0) printf '==== pytest on %s: passed ====\n\n' "$LABEL" ;;
    5) printf '==== pytest on %s: FAILED, no tests were collected ====\n\n' "$LABEL" >&2 ;;
    *) printf '==== pytest on %s: FAILED (exit %s) ====\n\n' "$LABEL" "$status" >&2 ;;
esac
exit "$status"
