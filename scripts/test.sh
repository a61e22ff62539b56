#!/usr/bin/env bash
# `make test`: set up, start a throw-away Redis for the suite, run pytest (which starts a real
# Celery worker itself, on the test database), stop Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
REDIS_PORT=${TEST_REDIS_PORT:-6399}
rm -rf var/test-redis; mkdir -p var/test-redis var/log
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$PWD/var/test-redis" --appendonly yes \
  --save "" --daemonize no --logfile "$PWD/var/log/test-redis.log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true; wait $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
export CELERY_BROKER_URL="redis://127.0.0.1:${REDIS_PORT}/0"
export TEST_REDIS_PORT=$REDIS_PORT
.venv/bin/python -m pytest "$@"
