#!/usr/bin/env bash
# Build and install the pgvector extension for PostgreSQL 15 on Debian 12.
#
# Debian 12 (bookworm) has no pgvector package for PostgreSQL 15, so this builds
# it from Debian 13's (trixie) source package. The trixie deb-src entry and its
# package lists live in a private, temporary apt state folder: the machine's own
# apt sources are never touched. Idempotent: does nothing when the extension is
# already installed. Needs root (installs build dependencies and the extension).
#
# Environment:
#   PG_CONFIG                 pg_config of the target server (default: PostgreSQL 15's)
#   PGVECTOR_DEBIAN_MIRROR    Debian mirror to fetch the source from (default: the
#                             mirror the machine's own apt sources use)
#   PGVECTOR_SUITE            Debian suite holding the source (default: trixie)
set -euo pipefail

PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}"
SUITE="${PGVECTOR_SUITE:-trixie}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { printf '[pgvector] %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "needs root (or sudo) to run: $*" >&2
        exit 1
    fi
}

# The mirror serving the release suite (e.g. "bookworm") in the machine's apt
# sources, in one-line (*.list) or deb822 (*.sources) format.
debian_mirror() {
    local files=() f
    [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && files+=("$f")
    done
    [ "${#files[@]}" -gt 0 ] || return 0
    awk '
        function release_suite(s) { return s ~ /^[a-z]+$/ }
        FNR == 1 { flush() }
        FILENAME ~ /\.sources$/ {
            if ($0 ~ /^[[:space:]]*$/) { flush(); next }
            if ($1 == "URIs:") uris = $2
            if ($1 == "Suites:") { for (i = 2; i <= NF; i++) if (release_suite($i)) ok = 1 }
            if ($1 == "Types:") { for (i = 2; i <= NF; i++) if ($i ~ /^deb(-src)?$/) typed = 1 }
            next
        }
        $1 == "deb" || $1 == "deb-src" {
            i = 2
            if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            if (release_suite($(i + 1)) && !found) { print $i; found = 1 }
        }
        function flush() {
            if (uris != "" && ok && typed && !found) { print uris; found = 1 }
            uris = ""; ok = 0; typed = 0
        }
        END { flush() }
    ' "${files[@]}" | head -n 1
}

if [ ! -x "$PG_CONFIG" ]; then
    log "no pg_config at $PG_CONFIG: is PostgreSQL 15 installed?" >&2
    exit 1
fi
EXTDIR="$("$PG_CONFIG" --sharedir)/extension"
if [ -f "$EXTDIR/vector.control" ]; then
    log "already installed ($EXTDIR/vector.control): nothing to do"
    exit 0
fi

missing=()
for pkg in postgresql-server-dev-15 build-essential dpkg-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    log "installing build dependencies: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

MIRROR="${PGVECTOR_DEBIAN_MIRROR:-$(debian_mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
log "fetching the $SUITE source package from $MIRROR"

WORK="$(mktemp -d /tmp/corridor-pgvector.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/sources.list.d" "$WORK/lists/partial" "$WORK/cache/archives/partial" "$WORK/src"
echo "deb-src [signed-by=$KEYRING] $MIRROR $SUITE main" >"$WORK/sources.list"
# The private apt state: only the trixie deb-src entry, its own lists and cache.
APT_OPTS=(
    -o "Dir::Etc::sourcelist=$WORK/sources.list"
    -o "Dir::Etc::sourceparts=$WORK/sources.list.d"
    -o "Dir::State::Lists=$WORK/lists"
    -o "Dir::Cache=$WORK/cache"
    -o "APT::Sandbox::User=root"
    -o "Acquire::Languages=none"
)
apt-get "${APT_OPTS[@]}" update -qq
(cd "$WORK/src" && apt-get "${APT_OPTS[@]}" source -qq pgvector)

SRC_DIR="$(find "$WORK/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
if [ -z "$SRC_DIR" ]; then
    log "apt-get source pgvector did not unpack a source tree" >&2
    exit 1
fi
log "building $(basename "$SRC_DIR") against $("$PG_CONFIG" --version)"
# OPTFLAGS="" keeps the binary portable (pgvector defaults to -march=native).
make -C "$SRC_DIR" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" >/dev/null
as_root make -C "$SRC_DIR" -s PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null
test -f "$EXTDIR/vector.control"
log "installed: $(grep -E '^default_version' "$EXTDIR/vector.control")"
