"""Small hardening middleware: a request size limit that also holds for the JSON API, and a
Content-Security-Policy for the platform's own pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'{style_nonce}; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class RequestSizeLimitMiddleware:
    """Refuse a body above DATA_UPLOAD_MAX_MEMORY_SIZE before anyone reads it.

    Django enforces that limit only when it parses a form or reads ``request.body``; the REST
    framework's JSON parser reads the request stream itself, so without this a huge JSON body
    would be read into memory whole. A refusal says why and what the limit is.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            message = _(
                "Förfrågan är för stor (%(size)d kB, högst %(limit)d kB). Ett svar får vara högst %(code)d kB."
            ) % {
                "size": length // 1024,
                "limit": limit // 1024,
                "code": settings.QUIZ_MAX_CODE_BYTES // 1024,
            }
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(render_to_string("413.html", {"message": message}, request=request), status=413)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Scripts, styles and everything else only from this site: a last line behind escaping.

    The Django admin is left out: it is staff-only and not written for a strict policy.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A fresh nonce per response for the one <style> the code editor (CodeMirror 6) writes;
        # templates put it on the editor's <script> tag, which hands it to CodeMirror.
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]  # a per-request value for templates, as Django's request.user
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CSP.format(style_nonce=f" 'nonce-{nonce}'"))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response
