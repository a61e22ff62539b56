"""Exam pages: the access code, the .seb file, the browser's submission at zero (students), the
exam settings and the exam log (the course's teachers and admins; 404 for anyone else)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.requests import AuthenticatedHttpRequest
from exams import access, seb, selectors, services
from exams.forms import AccessCodeForm, ExamSettingsForm
from exams.models import ExamEvent, ExamSettings
from exams.rules import exam_of
from exercises import selectors as exercise_selectors
from exercises.models import Assessment

CODE_TRIES = 10  # wrong codes per student and assessment in CODE_WINDOW seconds
CODE_WINDOW = 15 * 60


def _member_assessment(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("course"), pk=pk, course__in=exercise_selectors.courses_for(user=request.user)
    )


def _taught_assessment(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("course"),
        pk=pk,
        course__in=exercise_selectors.courses_taught(user=request.user),
    )


def _next(request: AuthenticatedHttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


@login_required
def access_code(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The student enters the code given in the room, once per session."""
    assessment = _member_assessment(request, pk)
    exam = exam_of(assessment)
    back = _next(request, reverse("exercises:course", kwargs={"slug": assessment.course.slug}))
    form = AccessCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and exam is not None and exam.access_code:
        key = f"exam-code-fail:{request.user.pk}:{assessment.pk}"
        failures = cache.get(key, 0)
        if failures >= CODE_TRIES:
            form = AccessCodeForm()
            messages.error(request, _("För många fel koder. Vänta en stund och fråga provvakten."))
            status = 429
        elif form.is_valid() and access.code_matches(exam, form.cleaned_data["code"]):
            access.session_code_remember(request, exam)
            ExamEvent.objects.create(
                user=request.user,
                assessment=assessment,
                kind=ExamEvent.Kind.CODE_ACCEPTED,
                ip=access.client_address(request),
            )
            return redirect(back)
        else:
            cache.set(key, failures + 1, CODE_WINDOW)
            refusal = access.Refusal(
                "code", _("Provkoden stämmer inte. Skriv in koden som ges i skrivsalen."), assessment
            )
            access.refusal_log(request, user=request.user, refusal=refusal)
            form.add_error("code", refusal.message)
            status = 403
    elif request.method == "POST":
        return redirect(back)
    return render(
        request,
        "exams/code.html",
        {"assessment": assessment, "form": form, "next": back, "needs_code": bool(exam and exam.access_code)},
        status=status,
    )


@login_required
def seb_config(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The assessment's Safe Exam Browser settings file, for its students and teachers."""
    assessment = _member_assessment(request, pk)
    response = HttpResponse(seb.seb_file(request=request, assessment=assessment), content_type="application/seb")
    response["Content-Disposition"] = f'attachment; filename="{seb.seb_filename(assessment)}"'
    return response


@login_required
@require_POST
def final_submit(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    """The browser at zero sends the text it holds; the student's drafts are then submitted."""
    item = exercise_selectors.item_get(slug=slug, user=request.user)
    try:
        submitted = services.exam_final_submit(user=request.user, item=item, text=request.POST.get("text", ""))
    except ValidationError as exc:
        return JsonResponse({"saved": False, "error": " ".join(exc.messages), "code": exc.code}, status=409)
    sitting_deadline = selectors.countdown_for(item=item, user=request.user)
    retry = 0.0
    if sitting_deadline is not None and not sitting_deadline.over:
        retry = max((sitting_deadline.deadline - timezone.now()).total_seconds(), 0.5)
    return JsonResponse(
        {
            "saved": True,
            "retry_after": retry,
            "submitted": [{"item": s.item.slug, "id": s.pk, "url": s.get_absolute_url()} for s in submitted],
            "message": _("Tiden är slut. Dina svar har lämnats in."),
        }
    )


@login_required
@require_POST
def exam_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save an assessment's exam mode (the form lives on the dashboard's settings page)."""
    assessment = _taught_assessment(request, pk)
    instance = ExamSettings.objects.filter(assessment=assessment).first() or ExamSettings(assessment=assessment)
    form = ExamSettingsForm(request.POST, instance=instance)
    if not form.is_valid():
        # Nothing typed is lost: the form comes back with what was sent and why it was refused.
        return render(request, "exams/settings.html", {"assessment": assessment, "exam_form": form}, status=400)
    services.exam_settings_update(
        assessment=assessment, by=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
    )
    messages.success(request, _("Provläget är sparat."))
    return redirect("dashboard:assessment_settings", pk=assessment.pk)


@login_required
def exam_log(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _taught_assessment(request, pk)
    return render(
        request,
        "exams/log.html",
        {
            "assessment": assessment,
            "students": selectors.exam_students(assessment=assessment),
            "exam": exam_of(assessment),
        },
    )


@login_required
def student_log(request: AuthenticatedHttpRequest, pk: int, user_id: int) -> HttpResponse:
    assessment = _taught_assessment(request, pk)
    student = User.objects.filter(pk=user_id, enrollments__course=assessment.course_id).first()
    if student is None:
        raise Http404("No such student")
    return render(
        request,
        "exams/student_log.html",
        {"assessment": assessment, "student": student, **selectors.exam_log(assessment=assessment, user=student)},
    )
