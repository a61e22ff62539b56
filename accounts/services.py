"""Login throttling: failed logins are counted per username and per address, in the cache.

The cache is Redis in production (CACHE_URL), so every web process sees the same counts; a
per-process memory cache in development. Counting is get-then-set, so a burst of parallel
guesses may get a few more than the limit through: the limit slows guessing down by orders of
magnitude, which is its job, without a database write on every login.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _keys(*, username: str, ip: str) -> list[tuple[str, int]]:
    user_key = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-fail:user:{user_key}", settings.QUIZ_LOGIN_FAILURES_PER_USER),
        (f"login-fail:ip:{ip}", settings.QUIZ_LOGIN_FAILURES_PER_IP),
    ]


def login_wait_seconds(*, username: str, ip: str) -> int:
    """How long this username or address must wait before the next try (0: it may try now)."""
    now = time.time()
    for key, limit in _keys(username=username, ip=ip):
        record = cache.get(key)
        if record and record["count"] >= limit and record["until"] > now:
            return max(1, int(record["until"] - now))
    return 0


def login_failure_record(*, username: str, ip: str) -> None:
    lockout = settings.QUIZ_LOGIN_LOCKOUT_SECONDS
    for key, _limit in _keys(username=username, ip=ip):
        record = cache.get(key) or {"count": 0}
        cache.set(key, {"count": record["count"] + 1, "until": time.time() + lockout}, lockout)


def login_success_record(*, username: str, ip: str) -> None:
    """A right password clears the username's count (not the address's: one address may be
    guessing many usernames)."""
    cache.delete(_keys(username=username, ip=ip)[0][0])
