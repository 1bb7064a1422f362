#!/usr/bin/env bash
# Install Debian packages that are missing; do nothing (and need no root) when all are there.
# Usage: scripts/apt-install.sh PACKAGE...
set -euo pipefail

if ! command -v dpkg >/dev/null 2>&1; then
    echo "[apt] not a Debian system: install these yourself if the tests need them: $*" >&2
    exit 0
fi

missing=()
for pkg in "$@"; do
    dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed' || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "[apt] missing ${missing[*]} and neither root nor sudo is available to install them" >&2
    exit 1
fi

echo "[apt] installing ${missing[*]}"
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" </dev/null
