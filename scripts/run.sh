#!/usr/bin/env bash
# `make run`: set up, then start Redis, the recorder, one grading worker, the sweeper and the web
# server (gunicorn, quizplatform/gunicorn.conf.py); Ctrl-C stops all. QUIZ_VAR_DIR moves the
# database, Redis's files and the logs elsewhere (tests run a second instance that way).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-8000}
REDIS_PORT=${REDIS_PORT:-6389}
VAR=${QUIZ_VAR_DIR:-$PWD/var}

scripts/install.sh
.venv/bin/python manage.py seed_demo

.venv/bin/python manage.py collectstatic --noinput -v 0  # WhiteNoise serves them from STATIC_ROOT

mkdir -p "$VAR/redis" "$VAR/log"
export CELERY_BROKER_URL="redis://127.0.0.1:${REDIS_PORT}/0"
# gunicorn runs several processes: the login throttle and the LTI login state (state, nonce) must
# be shared by all of them, so the cache is this Redis too (database 1), not a per-process memory.
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:${REDIS_PORT}/1}"
pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "== stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# Persistence on (append-only file) so a restart of Redis loses no queued submission.
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --appendonly yes \
  --save "" --daemonize no --logfile "$VAR/log/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done

# The recorder: it has the database and writes what the grading workers send back (queue results).
.venv/bin/celery -A quizplatform worker -Q results --concurrency 1 --loglevel INFO \
  --hostname "recorder@%h" --without-gossip --without-mingle >"$VAR/log/recorder.log" 2>&1 &
pids+=($!)
# A grading worker holds no secret: its whole environment is the broker's address (grader/service.py).
env -i PATH="/usr/bin:/bin" HOME="$VAR" LANG=C.UTF-8 CELERY_BROKER_URL="$CELERY_BROKER_URL" \
  .venv/bin/celery -A grader.service worker -Q grading --concurrency 1 --loglevel INFO \
  --hostname "cpu@%h" --without-gossip --without-mingle >"$VAR/log/worker.log" 2>&1 &
pids+=($!)
# The sweeper: anything queued in the database that never reached the broker (it was down),
# lost by it, or held by a worker that died is sent again (see requeue_stuck.py for why a loop).
.venv/bin/python manage.py requeue_stuck --every 30 >"$VAR/log/sweeper.log" 2>&1 &
pids+=($!)

# A real web server (gthread workers, deep backlog: see the config file for the sizing).
.venv/bin/gunicorn quizplatform.wsgi -c quizplatform/gunicorn.conf.py --bind "127.0.0.1:${PORT}" \
  >"$VAR/log/web.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:${PORT}/login/" && break; sleep 0.2; done

cat <<TXT

  Quiz platform running at http://127.0.0.1:${PORT}/
  Logins (demo mode): student/student  student2/student2  teacher/teacher  admin/admin
  API: http://127.0.0.1:${PORT}/api/v1/schema   Logs: ${VAR}/log/
  Ctrl-C stops the web server, the worker and Redis.

TXT
wait -n "${pids[@]}" || true
