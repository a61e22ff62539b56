"""The access rules of a sitting, enforced on the pages and the API alike.

One function (``request_refusal``) decides for every request that touches an exam's items or
submissions: the page middleware (``exams.middleware``) and the API's permission class
(``ExamAccessPermission``) both call it, and every refusal is explained and logged.

Rules, checked in this order (the first that fails is the one explained):

1. **network**: the client's address lies in one of the allowed CIDR blocks. The address is
   ``REMOTE_ADDR``, or the rightmost entry of the header named by ``QUIZ_TRUSTED_PROXY_HEADER``
   (the one our own proxy appended; anything left of it is whatever the client sent).
2. **seb**: Safe Exam Browser's request headers match the keys the teacher entered, per SEB's
   documented hashing: ``X-SafeExamBrowser-ConfigKeyHash`` = SHA-256 hex of the absolute request
   URL (without fragment) followed by the Config Key, ``X-SafeExamBrowser-RequestHash`` the same
   with a Browser Exam Key. A page load that passes marks the session, so the page's own script
   requests (draft saves, polling) pass too, as in Moodle's SEB rule.
3. **code**: the access code given in the room, entered once per session (pages) or sent in the
   ``X-Exam-Code`` header (API with a token).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.permissions import BasePermission

from accounts.models import User
from exams.models import ExamEvent, ExamSettings
from exams.rules import is_candidate, sitting_for
from exercises.models import Assessment, Item, Submission

logger = logging.getLogger(__name__)

CONFIG_KEY_HEADER = "HTTP_X_SAFEEXAMBROWSER_CONFIGKEYHASH"
BROWSER_EXAM_KEY_HEADER = "HTTP_X_SAFEEXAMBROWSER_REQUESTHASH"
CODE_HEADER = "HTTP_X_EXAM_CODE"
SESSION_CODES = "exam_codes"
SESSION_SEB = "exam_seb"


@dataclass(frozen=True)
class Refusal:
    rule: str  # network, seb or code
    message: str
    assessment: Assessment


def client_address(request: HttpRequest) -> str:
    header = settings.QUIZ_TRUSTED_PROXY_HEADER
    if header:
        raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if parts:
            return parts[-1]
    return request.META.get("REMOTE_ADDR", "") or ""


def seb_hash(url: str, key: str) -> str:
    """What SEB sends for ``url`` with ``key``: SHA-256 hex of the URL followed by the key."""
    return hashlib.sha256((url + key).encode("utf-8")).hexdigest()


def code_digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"exam-code:" + code.strip().encode(), hashlib.sha256).hexdigest()


def code_matches(exam: ExamSettings, given: str) -> bool:
    return hmac.compare_digest(code_digest(given), code_digest(exam.access_code))


def session_code_remember(request: HttpRequest, exam: ExamSettings) -> None:
    codes = dict(request.session.get(SESSION_CODES, {}))
    codes[str(exam.assessment_id)] = code_digest(exam.access_code)
    request.session[SESSION_CODES] = codes


def _session(request: HttpRequest) -> Any:
    return getattr(request, "session", None) or {}


def _seb_refusal(request: HttpRequest, exam: ExamSettings) -> str:
    """Why the request fails the SEB rule; empty if it passes."""
    url = request.build_absolute_uri()
    config_hash = request.META.get(CONFIG_KEY_HEADER, "").strip().lower()
    request_hash = request.META.get(BROWSER_EXAM_KEY_HEADER, "").strip().lower()
    marker = f"{exam.assessment_id}:{exam.updated_at.timestamp()}"
    if not config_hash and not request_hash:
        if marker in _session(request).get(SESSION_SEB, []):
            return ""
        return _("Provet måste skrivas i Safe Exam Browser. Ladda ner provets inställningsfil och öppna den.")
    if exam.config_keys and not any(hmac.compare_digest(config_hash, seb_hash(url, key)) for key in exam.config_keys):
        return _("Safe Exam Browser har inte provets inställningar (Config Key stämmer inte).")
    if exam.browser_exam_keys and not any(
        hmac.compare_digest(request_hash, seb_hash(url, key)) for key in exam.browser_exam_keys
    ):
        return _("Safe Exam Browser är inte godkänd för provet (Browser Exam Key stämmer inte).")
    session = getattr(request, "session", None)
    if session is not None and request.user.is_authenticated and not _token_request(request):
        session[SESSION_SEB] = [*session.get(SESSION_SEB, []), marker][-20:]
    return ""


def _token_request(request: HttpRequest) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").startswith("Token ")


def assessment_refusal(request: HttpRequest, *, user: User, assessment: Assessment) -> Refusal | None:
    """Why ``user`` may not reach ``assessment``'s exam content with this request; None if they may."""
    now = timezone.now()
    sitting = sitting_for(assessment=assessment, user=user, now=now)
    if sitting is None or not sitting.pending(now) or not is_candidate(assessment=assessment, user=user):
        return None
    exam = sitting.exam
    address = client_address(request)
    if exam.allowed_networks.strip():
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            ip = None
        if ip is None or not any(ip in net for net in exam.networks):
            return Refusal(
                "network",
                _("Provet kan bara skrivas från skrivsalens nätverk. Din adress (%(ip)s) hör inte dit.")
                % {"ip": address or "?"},
                assessment,
            )
    if exam.require_seb:
        reason = _seb_refusal(request, exam)
        if reason:
            return Refusal("seb", reason, assessment)
    if exam.access_code:
        given = request.META.get(CODE_HEADER, "")
        remembered = _session(request).get(SESSION_CODES, {}).get(str(assessment.pk), "")
        ok = (given and code_matches(exam, given)) or (
            remembered and hmac.compare_digest(remembered, code_digest(exam.access_code))
        )
        if not ok:
            return Refusal(
                "code",
                _("Skriv in provkoden som ges i skrivsalen.")
                if not given
                else _("Provkoden stämmer inte. Skriv in koden som ges i skrivsalen."),
                assessment,
            )
    return None


def assessment_for_route(*, view_name: str, kwargs: dict[str, Any], user: User) -> Assessment | None:
    """The assessment a request is about, for the routes that show or take exam content."""
    if view_name in ITEM_ROUTES and "slug" in kwargs:
        item = Item.objects.select_related("assessment__course").filter(slug=kwargs["slug"]).first()
        return item.assessment if item else None
    if view_name in SUBMISSION_ROUTES and "pk" in kwargs:
        # Only the student's own: anyone else is answered 404 by the view, exam or not.
        submission = (
            Submission.objects.select_related("item__assessment__course").filter(pk=kwargs["pk"], user=user).first()
        )
        return submission.item.assessment if submission else None
    return None


ITEM_ROUTES = {"exercises:item", "exercises:draft", "api-submission-create", "exams:final"}
SUBMISSION_ROUTES = {"exercises:submission", "api-submission"}


def request_refusal(request: HttpRequest, *, user: User) -> Refusal | None:
    match = getattr(request, "resolver_match", None)
    if match is None or not user.is_authenticated:
        return None
    assessment = assessment_for_route(view_name=match.view_name, kwargs=match.kwargs, user=user)
    if assessment is None:
        return None
    refusal = assessment_refusal(request, user=user, assessment=assessment)
    if refusal is not None:
        refusal_log(request, user=user, refusal=refusal)
    return refusal


def refusal_log(request: HttpRequest, *, user: User, refusal: Refusal) -> None:
    ExamEvent.objects.create(
        user=user,
        assessment=refusal.assessment,
        kind=ExamEvent.Kind.REFUSED,
        rule=refusal.rule,
        ip=client_address(request),
        path=request.get_full_path()[:300],
        message=refusal.message,
    )
    logger.info("exam access refused: user %s, assessment %s, rule %s", user.pk, refusal.assessment.pk, refusal.rule)


class ExamAccessPermission(BasePermission):
    """The API's side of the exam rules (in DEFAULT_PERMISSION_CLASSES, after IsAuthenticated)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        refusal = request_refusal(request, user=request.user)
        if refusal is not None:
            raise ApiPermissionDenied(detail=refusal.message, code=f"exam_{refusal.rule}")
        return True
