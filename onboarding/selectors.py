"""Reads of onboarding: a course's members with their invitations, and the demo mail outbox."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from exercises.models import Course, Enrollment
from onboarding.models import Invitation

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# Django's file backend ends every message with a line of 79 dashes.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass
class Member:
    enrollment: Enrollment
    invitation: Invitation | None

    @property
    def user(self) -> User:
        return self.enrollment.user

    @property
    def activated(self) -> bool:
        return self.user.has_usable_password()


def course_members(*, course: Course) -> list[Member]:
    """Teachers first, then students, by name; each with their invitation to this course."""
    invitations = {i.user_id: i for i in Invitation.objects.filter(course=course)}
    enrollments = (
        Enrollment.objects.filter(course=course)
        .select_related("user")
        .order_by("-role", "user__last_name", "user__first_name", "user__username")
    )
    return [Member(enrollment=e, invitation=invitations.get(e.user_id)) for e in enrollments]


@dataclass
class Mail:
    file: str
    sent_at: datetime
    to: str
    subject: str
    body: str


def mail_outbox_enabled() -> bool:
    return bool(settings.DEMO_MODE and settings.EMAIL_BACKEND == FILE_BACKEND)


def mail_outbox(*, limit: int = 100) -> list[Mail]:
    """The mails the file backend wrote (newest first): for demo mode, where nothing is sent."""
    folder = Path(settings.EMAIL_FILE_PATH)
    if not folder.is_dir():
        return []
    mails: list[Mail] = []
    for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
        sent_at = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())
        chunks = [c for c in path.read_bytes().split(SEPARATOR) if c.strip()]
        for chunk in reversed(chunks):
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            part = message.get_body(preferencelist=("plain",))
            body = part.get_content() if part is not None else ""
            mails.append(
                Mail(
                    file=path.name,
                    sent_at=sent_at,
                    to=str(message.get("To", "")),
                    subject=str(message.get("Subject", "")),
                    body=body,
                )
            )
            if len(mails) >= limit:
                return mails
    return mails
