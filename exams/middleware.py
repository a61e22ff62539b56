"""Exam mode on the pages: one session per student, and the access rules of a sitting.

The API gets the same access rules from ``exams.access.ExamAccessPermission`` (DRF
authenticates inside the view, so a token's user is only known there).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from exams import access, sessions

JSON_ROUTES = {"exercises:draft", "exams:final"}
SUBMIT_ROUTES = {"exercises:item": 302, "api-submission-create": 201}


class ExamMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(("/static/", "/admin/")):
            if not sessions.session_is_current(request, user):
                sessions.old_session_end(request, user)
                if request.path != reverse("login"):
                    return self._session_ended(request)
        response = self.get_response(request)
        self._log_submission(request, response)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None  # the API's permission class checks the same rules
        if not isinstance(request.user, User):
            return None  # an anonymous visitor: the rules hold for students
        refusal = access.request_refusal(request, user=request.user)
        if refusal is None:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in JSON_ROUTES:
            return JsonResponse({"saved": False, "error": refusal.message, "refused": refusal.rule}, status=403)
        return render(
            request,
            "exams/refused.html",
            {"refusal": refusal, "assessment": refusal.assessment, "next": request.get_full_path()},
            status=403,
        )

    def _session_ended(self, request: HttpRequest) -> HttpResponse:
        message = _(
            "Du har loggat in på en annan dator eller i en annan webbläsare under provet, så den här "
            "sessionen är avslutad. Logga in igen här om du vill fortsätta här; då avslutas den andra."
        )
        if request.path.startswith("/api/") or request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"detail": message, "saved": False, "error": message}, status=401)
        return render(request, "exams/session_ended.html", {"message": message}, status=401)

    def _log_submission(self, request: HttpRequest, response: HttpResponse) -> None:
        match = getattr(request, "resolver_match", None)
        if request.method != "POST" or match is None or match.view_name not in SUBMIT_ROUTES:
            return
        user = getattr(request, "user", None)
        if response.status_code != SUBMIT_ROUTES[match.view_name] or user is None or not user.is_authenticated:
            return
        from exams.services import exam_submission_log
        from exercises.models import Item

        item = Item.objects.select_related("assessment").filter(slug=match.kwargs.get("slug")).first()
        if item is not None:
            exam_submission_log(request=request, user=user, item=item, status=response.status_code)
