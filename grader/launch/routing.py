"""Which queue a submission goes to, and which queues have a live worker.

Every worker's main process announces the queues it consumes in Redis (a sorted set per queue:
member = worker hostname, score = last heartbeat). An item that asks for a GPU goes to
``grading-gpu`` only while a GPU worker has announced itself within ``STALE_SECONDS``; otherwise it
goes to the CPU queue, where it is graded more slowly but graded. Reading one small sorted set costs
a Redis round trip, so the submit path can afford it on every submission.
"""

from __future__ import annotations

import threading
import time
from typing import cast

import redis

CPU_QUEUE = "grading"
GPU_QUEUE = "grading-gpu"
HEARTBEAT_SECONDS = 10
STALE_SECONDS = 35
KEY = "quiz:consumers:{queue}"


def _client() -> redis.Redis:
    # The broker's Redis, this process's one client of it; this module stays free of Django.
    from grader.launch.progress import client

    return client()


def consumers(*, queue: str, client: redis.Redis | None = None) -> list[str]:
    """Hostnames of workers that consumed ``queue`` within the last ``STALE_SECONDS``."""
    client = client or _client()
    members = cast(list[bytes], client.zrangebyscore(KEY.format(queue=queue), time.time() - STALE_SECONDS, "+inf"))
    return sorted(m.decode() for m in members)


def choose_queue(*, requested: str) -> str:
    """The queue to send to: a GPU request falls back to the CPU queue when no GPU worker is up."""
    if requested != GPU_QUEUE:
        return requested
    try:
        return GPU_QUEUE if consumers(queue=GPU_QUEUE) else CPU_QUEUE
    except redis.RedisError:
        return CPU_QUEUE  # the send will tell whether the broker is there at all


def announce(*, hostname: str, queues: list[str], client: redis.Redis | None = None) -> None:
    client = client or _client()
    now = time.time()
    pipe = client.pipeline()
    for queue in queues:
        pipe.zadd(KEY.format(queue=queue), {hostname: now})
        pipe.zremrangebyscore(KEY.format(queue=queue), "-inf", now - 10 * STALE_SECONDS)
    pipe.execute()


def withdraw(*, hostname: str, queues: list[str]) -> None:
    client = _client()
    for queue in queues:
        client.zrem(KEY.format(queue=queue), hostname)


class Heartbeat(threading.Thread):
    """Announces this worker's queues every ``HEARTBEAT_SECONDS`` until stopped."""

    def __init__(self, *, hostname: str, queues: list[str]) -> None:
        super().__init__(name="quiz-heartbeat", daemon=True)
        self.hostname = hostname
        self.queues = queues
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                announce(hostname=self.hostname, queues=self.queues)
            except redis.RedisError:
                pass  # Redis restarting: the next beat announces again
            self.stopped.wait(HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self.stopped.set()
        try:
            withdraw(hostname=self.hostname, queues=self.queues)
        except redis.RedisError:
            pass
