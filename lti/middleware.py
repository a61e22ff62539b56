"""Framing: only the pages of a session that arrived by an LTI launch may be framed, and only by
the platforms that launched it; every other page keeps ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from quizplatform.middleware import CSP

SESSION_KEY = "lti_frame_origins"


class LtiFramingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_KEY) if session is not None else None
        if origins and not request.path.startswith("/admin/") and "Content-Security-Policy" not in response.headers:
            # Our own strict policy, with the launching platforms as the only framing parents.
            allowed = " ".join(["'self'", *sorted(set(origins))])
            response.headers["Content-Security-Policy"] = CSP.replace(
                "frame-ancestors 'none'", f"frame-ancestors {allowed}"
            )
            # Django's clickjacking middleware (further out) would add DENY: this response is exempt.
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response
