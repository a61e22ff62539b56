#!/usr/bin/env bash
# `make test`: set up, start a throw-away Redis for the suite, run pytest (which starts a real
# Celery worker itself, on the test database), stop Redis.
#
# Without arguments (the whole suite) a second lane follows: the pipeline, fault and hostile suites
# again on PostgreSQL (a cluster the suite initdb's, tests/pgcluster.py), with the test Redis as
# production runs it: a password and `appendonly` with `appendfsync everysec`.
# QUIZ_TEST_DB=postgres runs just the given tests that way.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
REDIS_PORT=${TEST_REDIS_PORT:-6399}
# The services suites with row locks and transactions too: PostgreSQL refuses what SQLite lets pass
# (FOR UPDATE on an outer join was one).
PG_LANE=(tests/test_pipeline.py tests/test_faults.py tests/test_hostile.py tests/test_dashboard_services.py
  tests/test_lti_services.py tests/test_exam.py tests/test_onboarding_roster.py tests/test_authoring_weights.py)
mkdir -p var/log
redis_pid=
start_redis() {  # [password]
  rm -rf var/test-redis; mkdir -p var/test-redis
  local auth=()
  [ -n "${1:-}" ] && auth=(--requirepass "$1")
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$PWD/var/test-redis" --appendonly yes \
    --appendfsync everysec --save "" --daemonize no --logfile "$PWD/var/log/test-redis.log" "${auth[@]}" &
  redis_pid=$!
  for _ in $(seq 50); do REDISCLI_AUTH=${1:-} redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  export CELERY_BROKER_URL="redis://${1:+:$1@}127.0.0.1:${REDIS_PORT}/0"
}
stop_redis() {
  [ -n "$redis_pid" ] || return 0
  kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=
}
trap stop_redis EXIT
export TEST_REDIS_PORT=$REDIS_PORT

if [ "${QUIZ_TEST_DB:-sqlite}" = postgres ]; then
  start_redis "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  exec_status=0; .venv/bin/python -m pytest "$@" || exec_status=$?
  exit $exec_status
fi

start_redis ""
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ $# -eq 0 ]; then
  stop_redis
  echo "== the pipeline, fault and hostile suites on PostgreSQL, Redis with a password and AOF everysec"
  start_redis "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
  QUIZ_TEST_DB=postgres .venv/bin/python -m pytest "${PG_LANE[@]}" || status=$?
fi
exit $status
