"""Framing: only the pages of a session that arrived by an LTI launch may be framed, and only by
the platforms that launched it; every other page keeps ``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from quizplatform.middleware import CSP

SESSION_KEY = "lti_frame_origins"


def lti_csp(origins: list[str], form_targets: tuple[str, ...] = (), *, nonce: str | None = None) -> str:
    """Our own strict policy, with the launching platforms as the only framing parents (and, for
    the deep linking answer, the platform's return URL as a form target). ``nonce``: the
    request's style nonce (``request.csp_nonce``), for the code editor's <style>."""
    policy = CSP.format(style_nonce=f" 'nonce-{nonce}'" if nonce else "")
    policy = policy.replace("frame-ancestors 'none'", "frame-ancestors " + " ".join(["'self'", *sorted(set(origins))]))
    if form_targets:
        policy = policy.replace("form-action 'self'", "form-action " + " ".join(["'self'", *form_targets]))
    return policy


class LtiFramingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_KEY) if session is not None else None
        if origins and not request.path.startswith("/admin/") and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = lti_csp(origins, nonce=getattr(request, "csp_nonce", None))
            # Django's clickjacking middleware (further out) would add DENY: this response is exempt.
            response.xframe_options_exempt = True
        return response


class PartitionedCookiesMiddleware:
    """Inside the LMS's iframe our cookies are third-party cookies, which browsers now refuse
    unless they are partitioned (CHIPS: ``Partitioned``, with ``SameSite=None; Secure``): kept
    per top-level site, so the tool's session inside one LMS is its own. Neither Django 5.2 nor
    Python 3.11's cookie module write the attribute: it is added here, outermost, to every
    cookie that is SameSite=None (session, CSRF, the LTI login state)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        _allow_partitioned()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for morsel in response.cookies.values():
            if str(morsel.get("samesite", "")).lower() == "none" and morsel.get("secure"):
                morsel["partitioned"] = True
        return response


def _allow_partitioned() -> None:
    from http.cookies import Morsel

    reserved = Morsel._reserved  # type: ignore[attr-defined]  # private stdlib table, no public way to add a flag
    if "partitioned" not in reserved:
        reserved["partitioned"] = "Partitioned"
        Morsel._flags.add("partitioned")  # type: ignore[attr-defined]  # private stdlib set, as above
