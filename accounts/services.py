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


def login_identity(*, username: str) -> str:
    """What a login attempt counts against: the typed username, or, when an email address of
    exactly one account was typed, that account's username, so the two ways to name an account
    share one failure count."""
    from accounts.models import User

    if "@" in username:
        matches = list(User.objects.filter(email__iexact=username.strip()).values_list("username", flat=True)[:2])
        if len(matches) == 1:
            return matches[0]
    return username


def _reset_keys(*, email: str, ip: str) -> list[tuple[str, int]]:
    address_key = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"reset:ip:{ip}", settings.QUIZ_RESET_REQUESTS_PER_IP),
        (f"reset:address:{address_key}", settings.QUIZ_RESET_REQUESTS_PER_ADDRESS),
    ]


def reset_request_record(*, email: str, ip: str) -> tuple[int, bool]:
    """Count a password-reset request; return (seconds the address must wait, whether the
    address may get a mail now).

    Per address: at most QUIZ_RESET_REQUESTS_PER_ADDRESS mails per QUIZ_RESET_WINDOW_SECONDS, so
    nobody can flood an inbox; refused silently (the page says the same as always, so it tells
    nothing about whether an account has that address). Per address of the requester: at most
    QUIZ_RESET_REQUESTS_PER_IP requests, then a wait that the page does show (it reveals nothing
    about accounts either).
    """
    now = time.time()
    window = settings.QUIZ_RESET_WINDOW_SECONDS
    (ip_key, ip_limit), (address_key, address_limit) = _reset_keys(email=email, ip=ip)
    ip_record = cache.get(ip_key)
    if ip_record and ip_record["count"] >= ip_limit and ip_record["until"] > now:
        return max(1, int(ip_record["until"] - now)), False
    allowed = True
    for key, limit in ((ip_key, ip_limit), (address_key, address_limit)):
        record = cache.get(key)
        if not record or record["until"] <= now:
            record = {"count": 0, "until": now + window}
        if key == address_key and record["count"] >= limit:
            allowed = False
        record["count"] += 1
        cache.set(key, record, max(1, int(record["until"] - now)))
    return 0, allowed
