#!/usr/bin/env bash
# Make sure a Redis server answers at 127.0.0.1:6379 (the Celery broker the tests use).
set -euo pipefail

log() { printf '[redis] %s\n' "$*"; }
ping() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

command -v redis-server >/dev/null 2>&1 || bash "$(dirname "$0")/apt-install.sh" redis-server
if ping; then
    log "answering at 127.0.0.1:6379"
    exit 0
fi
log "not answering: starting redis-server"
# No systemd: run it as a daemon, bound to loopback only.
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
for _ in $(seq 1 20); do
    ping && { log "answering at 127.0.0.1:6379"; exit 0; }
    sleep 0.5
done
log "redis-server did not come up" >&2
exit 1
