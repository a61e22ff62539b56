"""Progress of a job while it runs, through Redis (not the database).

The worker side appends small JSON events to a list per job (``quiz:progress:<submission id>``,
with a TTL); the web reads the list when the student's page polls the status API and merges it
into the answer (``exercises.workspace.submission_progress``). Events: ``started``, ``structure``
(the checks known before training ends), ``epoch`` (loss and val_loss of each finished epoch),
``final``. Each carries ``t``, the time it was written (seconds since the epoch).

Progress is a courtesy: a Redis that is down loses it and nothing else.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, cast

import redis

logger = logging.getLogger(__name__)

KEY = "quiz:progress:{job}"
EXAMPLES_KEY = "quiz:examples:{run}"
TTL_SECONDS = 3600
MAX_EVENTS = 400


_CLIENTS: dict[str, redis.Redis] = {}


def client() -> redis.Redis:
    """This process's client of the broker's Redis (the broker the Celery app was configured with:
    from Django's settings in the web, from the environment in a worker). One connection pool per
    broker, kept: a status poll or a job does not open a connection of its own. redis-py's pool
    starts afresh in a forked child, and checks a pooled connection before use, so a restarted
    Redis costs one reconnect."""
    from celery import current_app

    url = str(current_app.conf.broker_url)
    found = _CLIENTS.get(url)
    if found is None:
        found = _CLIENTS[url] = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    return found


class RedisProgress:
    """A progress callback that appends each event to one job's list in Redis."""

    def __init__(self, job: str | int, redis_client: redis.Redis | None = None) -> None:
        self.key = KEY.format(job=job)
        self._client = redis_client
        self.failed = False

    def __call__(self, event: dict[str, Any]) -> None:
        if self.failed:
            return
        try:
            r = self._client or client()
            self._client = r
            pipe = r.pipeline(transaction=False)
            pipe.rpush(self.key, json.dumps({**event, "t": round(time.time(), 3)}, allow_nan=False))
            pipe.ltrim(self.key, -MAX_EVENTS, -1)
            pipe.expire(self.key, TTL_SECONDS)
            pipe.execute()
        except (redis.RedisError, ValueError, TypeError):
            # Lost progress is no reason to fail a grading: say it once and go on without.
            logger.warning("progress of %s not published", self.key, exc_info=True)
            self.failed = True

    def clear(self) -> None:
        try:
            (self._client or client()).delete(self.key)
        except redis.RedisError:
            pass


def events(job: str | int, redis_client: redis.Redis | None = None) -> list[dict[str, Any]]:
    """The events of one job, oldest first; [] when there are none or Redis is down."""
    try:
        raw = cast(list[bytes], (redis_client or client()).lrange(KEY.format(job=job), 0, -1))
    except redis.RedisError:
        return []
    out = []
    for item in raw:
        try:
            event = json.loads(item)
        except ValueError:
            continue
        if isinstance(event, dict):
            out.append(event)
    return out
