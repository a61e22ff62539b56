"""Writes of standalone onboarding: roster import (preview, then apply), members added and
removed by a course's teachers, and invitations with a set-password link.

Rules that hold for every path (the CSV import, the one-person form, a resend):
- An existing account is found by its email address and is only ever *enrolled*: its name,
  address, username and password are never changed from here, so a teacher cannot take over an
  account by giving it a new address.
- An account whose role differs from the one asked for (a student added as teacher, an admin) is
  refused with a message, not promoted or demoted.
- Only new accounts are invited; they have no usable password until they set one from the link.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import Course, Enrollment
from onboarding import roster
from onboarding.models import Invitation, RosterImport
from onboarding.tokens import invitation_token_generator

CREATE, ENROL, UNCHANGED, ERROR = "create", "enrol", "unchanged", "error"
ROLE_TO_USER = {roster.STUDENT: User.Role.STUDENT, roster.TEACHER: User.Role.TEACHER}
ROLE_TO_ENROLLMENT = {roster.STUDENT: Enrollment.Role.STUDENT, roster.TEACHER: Enrollment.Role.TEACHER}
_username_valid = UnicodeUsernameValidator()


def _role_label(role: str) -> str:
    return str(User.Role(role).label).lower() if role in User.Role.values else role


def roster_plan(*, course: Course, rows: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """What applying ``rows`` to ``course`` would do, row by row: ``action`` is create, enrol,
    unchanged or error (with ``errors``). Reads only; the same function runs at preview and again
    at apply, so a change in between (someone enrolled by hand) is seen."""
    planned: list[dict[str, Any]] = []
    seen_email: dict[str, int] = {}
    seen_username: dict[str, int] = {}
    for raw in rows:
        row = {**raw, "errors": list(raw.get("errors", [])), "user_id": None, "action": CREATE}
        row["email"] = row["email"].strip().lower()
        row["language"] = row.get("language") or language
        errors = row["errors"]
        if not (row["first_name"] or row["last_name"]):
            errors.append(_("Namn saknas."))
        if len(row["first_name"]) > 150 or len(row["last_name"]) > 150:
            errors.append(_("Namnet är för långt."))
        if not row["email"]:
            errors.append(_("E-post saknas."))
        else:
            try:
                validate_email(row["email"])
            except ValidationError:
                errors.append(_("Ogiltig e-postadress ”%(email)s”.") % {"email": row["email"]})
        if row["username"]:
            try:
                _username_valid(row["username"])
                if len(row["username"]) > 150:
                    raise ValidationError("too long")
            except ValidationError:
                errors.append(
                    _("Ogiltigt användarnamn ”%(u)s” (bokstäver, siffror och . @ + - _).") % {"u": row["username"]}
                )
        if row["email"] in seen_email:
            errors.append(_("Samma e-post som rad %(line)d.") % {"line": seen_email[row["email"]]})
        elif row["email"]:
            seen_email[row["email"]] = row["line"]
        if row["username"]:
            key = row["username"].lower()
            if key in seen_username:
                errors.append(_("Samma användarnamn som rad %(line)d.") % {"line": seen_username[key]})
            else:
                seen_username[key] = row["line"]
        if not errors:
            _plan_against_accounts(course=course, row=row, taken=seen_username)
        if errors:
            row["action"] = ERROR
        planned.append(row)
    return planned


def _plan_against_accounts(*, course: Course, row: dict[str, Any], taken: dict[str, int]) -> None:
    errors = row["errors"]
    matches = list(User.objects.filter(email__iexact=row["email"])[:2])
    if len(matches) > 1:
        errors.append(_("Flera konton har den adressen; lägg till personen för hand."))
        return
    if matches:
        user = matches[0]
        enrollment = Enrollment.objects.filter(course=course, user=user).first()
        if row["username"] and row["username"].lower() != user.username.lower():
            errors.append(_("Adressen hör till kontot ”%(u)s”.") % {"u": user.username})
        elif not user.is_active:
            errors.append(_("Kontot är avstängt."))
        elif enrollment and enrollment.role != ROLE_TO_ENROLLMENT[row["role"]]:
            errors.append(_("Finns redan i kursen som %(role)s.") % {"role": _role_label(enrollment.role)})
        elif user.role != ROLE_TO_USER[row["role"]]:
            errors.append(_("Finns redan med rollen %(role)s.") % {"role": _role_label(user.role)})
        else:
            row["user_id"] = user.pk
            row["username"] = user.username
            row["action"] = UNCHANGED if enrollment else ENROL
        return
    if row["username"]:
        if User.objects.filter(username__iexact=row["username"]).exists():
            errors.append(_("Användarnamnet ”%(u)s” är upptaget.") % {"u": row["username"]})
        return
    base = roster.username_base(row["email"], f"{row['first_name']} {row['last_name']}")
    candidate, n = base, 1
    while candidate in taken or User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    taken[candidate] = row["line"]
    row["username"] = candidate
    row["generated_username"] = True


def roster_preview_create(
    *, course: Course, by: User, data: bytes | None = None, text: str = "", source: str = "", language: str = "sv"
) -> RosterImport:
    """Parse a roster and keep its rows for the preview (which plans them with ``roster_plan``);
    nothing about people is written yet.

    Raises ``roster.RosterError`` when the file as a whole cannot be read."""
    content = roster.decode(data) if data is not None else text
    rows = roster.parse(content, max_rows=settings.QUIZ_ROSTER_MAX_ROWS)
    # Previews nobody confirmed are of no use after a day.
    RosterImport.objects.filter(
        status=RosterImport.Status.PREVIEW, created_at__lt=timezone.now() - timedelta(days=1)
    ).delete()
    return RosterImport.objects.create(
        course=course,
        created_by=by,
        source=source[:200] or "pasted",
        language=language,
        rows=[r.as_dict() for r in rows],
    )


def plan_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts = {CREATE: 0, ENROL: 0, UNCHANGED: 0, ERROR: 0}
    for row in rows:
        counts[row["action"]] += 1
    return counts


@dataclass
class ApplyResult:
    created: int = 0
    enrolled: int = 0
    unchanged: int = 0
    skipped: int = 0
    invited: int = 0
    invite_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _apply_rows(*, course: Course, by: User, rows: list[dict[str, Any]]) -> tuple[ApplyResult, list[Invitation]]:
    """Write a planned roster (inside the caller's transaction)."""
    result = ApplyResult()
    invitations: list[Invitation] = []
    for row in rows:
        action = row["action"]
        if action == ERROR:
            result.skipped += 1
        elif action == UNCHANGED:
            result.unchanged += 1
        elif action == ENROL:
            _enrollment, created = Enrollment.objects.get_or_create(
                course=course, user_id=row["user_id"], defaults={"role": ROLE_TO_ENROLLMENT[row["role"]]}
            )
            if created:
                result.enrolled += 1
            else:
                result.unchanged += 1
        else:
            user = User.objects.create_user(
                username=row["username"],
                email=row["email"],
                password=None,  # unusable until the person sets one from the invitation
                first_name=row["first_name"],
                last_name=row["last_name"],
                role=ROLE_TO_USER[row["role"]],
            )
            Enrollment.objects.create(course=course, user=user, role=ROLE_TO_ENROLLMENT[row["role"]])
            invitations.append(
                Invitation.objects.create(course=course, user=user, invited_by=by, language=row["language"])
            )
            result.created += 1
    return result, invitations


def roster_import_apply(*, roster_import: RosterImport, by: User, base_url: str) -> ApplyResult:
    """Apply a previewed roster, then invite the new people.

    1. Claim the import (a conditional UPDATE from preview to applied that must change one row),
       so a double click or a second tab applies it once.
    2. Plan the rows again against the accounts as they are now, and write them in the same
       transaction: an existing account is enrolled, an enrolled one left as it is, so applying
       the same file twice changes nothing.
    3. After the commit, send the invitations; a failed send is recorded on the invitation (the
       teacher sees it and can send again), it does not undo the import.
    """
    with transaction.atomic():
        claimed = RosterImport.objects.filter(pk=roster_import.pk, status=RosterImport.Status.PREVIEW).update(
            status=RosterImport.Status.APPLIED, applied_at=timezone.now()
        )
        if claimed != 1:
            raise ValidationError(_("Den här importen är redan genomförd."))
        course = roster_import.course
        rows = roster_plan(course=course, rows=roster_import.rows, language=roster_import.language)
        result, invitations = _apply_rows(course=course, by=by, rows=rows)
    result.invited, result.invite_failed = invitations_send(invitations=invitations, base_url=base_url)
    roster_import.refresh_from_db()
    roster_import.result = {**result.as_dict(), "rows": rows}
    roster_import.save(update_fields=["result"])
    return result


def member_add(
    *,
    course: Course,
    by: User,
    first_name: str,
    last_name: str,
    email: str,
    username: str = "",
    role: str = roster.STUDENT,
    language: str = "sv",
    base_url: str,
) -> ApplyResult:
    """Add one person to a course: the same rules as one row of a roster import.

    Raises ValidationError with the row's errors when it cannot be added."""
    raw = {
        "line": 1,
        "first_name": " ".join(first_name.split()),
        "last_name": " ".join(last_name.split()),
        "email": email,
        "username": username.strip(),
        "role": role,
        "language": language,
        "errors": [],
    }
    with transaction.atomic():
        rows = roster_plan(course=course, rows=[raw], language=language)
        if rows[0]["action"] == ERROR:
            raise ValidationError(rows[0]["errors"])
        result, invitations = _apply_rows(course=course, by=by, rows=rows)
    result.invited, result.invite_failed = invitations_send(invitations=invitations, base_url=base_url)
    return result


def member_remove(*, course: Course, enrollment: Enrollment, by: User) -> None:
    """Unenrol a person (the account and its submissions stay). A course keeps at least one
    teacher: the last one cannot be removed, by themselves or anyone."""
    with transaction.atomic():
        if enrollment.role == Enrollment.Role.TEACHER:
            teachers = Enrollment.objects.select_for_update().filter(course=course, role=Enrollment.Role.TEACHER)
            if teachers.count() <= 1:
                raise ValidationError(_("Kursen måste ha minst en lärare kvar."))
        Enrollment.objects.filter(pk=enrollment.pk, course=course).delete()


def invitation_link(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("onboarding:invitation_accept", args=[uid, token])


def _invitation_message(*, invitation: Invitation, base_url: str, connection: Any) -> EmailMessage:
    with translation.override(invitation.language):
        context = {
            "user": invitation.user,
            "course": invitation.course,
            "course_title": invitation.course.title,
            "invited_by": invitation.invited_by,
            "link": invitation_link(user=invitation.user, base_url=base_url),
            "login_url": base_url.rstrip("/") + reverse("login"),
            "days": settings.QUIZ_INVITATION_DAYS,
        }
        subject = " ".join(render_to_string("onboarding/email/invitation_subject.txt", context).split())
        body = render_to_string("onboarding/email/invitation_body.txt", context)
    return EmailMessage(subject=subject, body=body, to=[invitation.user.email], connection=connection)


def invitations_send(*, invitations: list[Invitation], base_url: str) -> tuple[int, int]:
    """Send each invitation over one connection; returns (sent, failed). A failure is recorded on
    its invitation and does not stop the others."""
    if not invitations:
        return 0, 0
    sent = failed = 0
    connection = get_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(last_error=str(exc)[:500] or "error")
        return 0, len(invitations)
    try:
        for invitation in invitations:
            try:
                _invitation_message(invitation=invitation, base_url=base_url, connection=connection).send()
            except (smtplib.SMTPException, OSError) as exc:
                Invitation.objects.filter(pk=invitation.pk).update(last_error=str(exc)[:500] or "error")
                failed += 1
            else:
                Invitation.objects.filter(pk=invitation.pk).update(
                    sent_at=timezone.now(), send_count=F("send_count") + 1, last_error=""
                )
                sent += 1
    finally:
        connection.close()
    return sent, failed


def invitation_resend(*, course: Course, user: User, by: User, language: str, base_url: str) -> None:
    """Send a member's invitation again (a new link; the old one works until it expires)."""
    if user.has_usable_password():
        raise ValidationError(_("%(u)s har redan ett lösenord.") % {"u": user.username})
    if not user.email:
        raise ValidationError(_("%(u)s har ingen e-postadress.") % {"u": user.username})
    invitation, _created = Invitation.objects.get_or_create(
        course=course, user=user, defaults={"invited_by": by, "language": language}
    )
    sent, _failed = invitations_send(invitations=[invitation], base_url=base_url)
    if not sent:
        invitation.refresh_from_db()
        raise ValidationError(_("Inbjudan kunde inte skickas: %(e)s") % {"e": invitation.last_error})


def invitation_accept(*, user: User) -> None:
    """The person set a password from an invitation: every invitation of theirs is accepted."""
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(accepted_at=timezone.now())
