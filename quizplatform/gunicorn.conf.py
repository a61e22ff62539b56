"""gunicorn's settings for `make run` and the compose file's web service (``-c`` this file).

Sized for the machine it starts on; every number can be changed from the environment.

- ``gthread`` workers: each worker's main thread accepts connections and keeps idle ones
  (keep-alive, slow clients) in a selector, so a slow or idle client holds no request thread.
  A submission's request is short (a few database writes, one Redis push); the grading happens
  in Celery, not here.
- One worker process per core (the GIL lets a process use one core), ``WEB_THREADS`` request
  threads each: enough for the database and broker round trips to overlap.
- A deep listen backlog: a class that submits at the deadline opens its connections at once, and
  the kernel must queue them, not reset them (Django's development server queues 5).
"""

import os

_cores = os.cpu_count() or 1

bind = os.environ.get("WEB_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", str(max(2, _cores))))
threads = int(os.environ.get("WEB_THREADS", "8"))
# Idle or slow connections a worker keeps beside its threads' requests.
worker_connections = int(os.environ.get("WEB_CONNECTIONS", "1000"))
# Capped by the kernel's net.core.somaxconn (4096 on current kernels).
backlog = int(os.environ.get("WEB_BACKLOG", "2048"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
# A request longer than this is a wedged worker: gunicorn replaces it.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 20
# Recycle workers now and then, so a slow leak cannot grow for ever (jitter: not all at once).
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# The heartbeat file of each worker: on tmpfs where there is one (a container's /tmp may be disk).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# Behind a TLS proxy (compose): which addresses may set X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
proc_name = "quiz-web"
