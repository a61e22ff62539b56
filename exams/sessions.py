"""One session per student while an exam of theirs is on: a new login ends the old session.

At login (``user_logged_in``) the student's open exam sessions are ended and logged, and the new
one is recorded. The middleware then lets only the newest session through: a request in an
ended session (the other computer) is logged out and told why. Sessions are recorded by a hash
of their key, so the log cannot be used to take one over.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from exams.access import client_address
from exams.models import ExamEvent, ExamSession
from exams.rules import pending_exams


def session_hash(key: str | None) -> str:
    return hashlib.sha256((key or "").encode()).hexdigest()


def _start(request: HttpRequest, user: User, *, replacing: list[ExamSession]) -> ExamSession:
    now = timezone.now()
    ip = client_address(request)
    for old in replacing:
        ExamEvent.objects.create(
            user=user,
            kind=ExamEvent.Kind.SESSION_REPLACED,
            ip=old.ip,
            at=now,
            detail={"started_at": old.started_at.isoformat(), "new_ip": ip},
        )
    ExamSession.objects.filter(pk__in=[s.pk for s in replacing]).update(
        ended_at=now, end_reason=ExamSession.End.REPLACED
    )
    session = ExamSession.objects.create(
        user=user,
        session_hash=session_hash(request.session.session_key),
        ip=ip,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        started_at=now,
    )
    ExamEvent.objects.create(
        user=user,
        kind=ExamEvent.Kind.SESSION_START,
        ip=ip,
        at=now,
        detail={"user_agent": session.user_agent, "replaced": len(replacing)},
    )
    return session


def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """A login while an exam is on ends the student's other sessions (Django has given the new
    session its own key before this signal)."""
    if request is None or not hasattr(request, "session") or not pending_exams(user=user):
        return
    if request.session.session_key is None:
        request.session.save()
    with transaction.atomic():
        open_sessions = list(ExamSession.objects.select_for_update().filter(user=user, ended_at__isnull=True))
        _start(request, user, replacing=open_sessions)


def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if request is None or user is None or not hasattr(request, "session"):
        return
    ended = ExamSession.objects.filter(
        user=user, session_hash=session_hash(request.session.session_key), ended_at__isnull=True
    ).update(ended_at=timezone.now(), end_reason=ExamSession.End.LOGOUT)
    if ended:
        ExamEvent.objects.create(user=user, kind=ExamEvent.Kind.LOGOUT, ip=client_address(request))


def session_is_current(request: HttpRequest, user: User) -> bool:
    """May this session act for ``user``? Always when no exam of theirs is on; during one, only the
    newest session (a session that was never recorded, e.g. opened before exam mode was switched
    on, becomes the current one when there is none)."""
    if not pending_exams(user=user):
        return True
    if request.session.session_key is None:
        request.session.save()
    mine = session_hash(request.session.session_key)
    with transaction.atomic():
        current = ExamSession.objects.filter(user=user, ended_at__isnull=True).order_by("-started_at").first()
        if current is None:
            _start(request, user, replacing=[])
            return True
    return current.session_hash == mine


def old_session_end(request: HttpRequest, user: User) -> None:
    """Log the use of an ended session and log it out."""
    ExamEvent.objects.create(
        user=user,
        kind=ExamEvent.Kind.OLD_SESSION,
        ip=client_address(request),
        path=request.get_full_path()[:300],
    )
    # Not through the logout signal: this session is not the current one and was ended already.
    request.session.flush()
    request.user = AnonymousUser()
