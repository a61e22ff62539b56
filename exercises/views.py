"""Student pages. Each view parses input, calls one service or selector, and renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedHttpRequest
from exercises import selectors, services, workspace
from exercises.forms import AnswerForm
from exercises.models import Draft


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    courses = selectors.course_list(user=request.user)
    if courses.count() == 1:
        return redirect("exercises:course", slug=courses.get().slug)
    return render(request, "exercises/home.html", {"courses": courses})


@login_required
def course_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_get(user=request.user, slug=slug)
    progress = selectors.course_progress(course=course, user=request.user)
    return render(request, "exercises/course.html", {"course": course, "progress": progress})


@login_required
def item_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    item = selectors.item_get(slug=slug, user=request.user)
    version = item.current_version
    if item.assessment.time_limit_minutes:
        services.assessment_start(assessment=item.assessment, user=request.user)
    draft = Draft.objects.filter(user=request.user, item=item).first()
    text = draft.text if draft else (version.starter if version else "")
    status = 200
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                submission = services.submission_create(user=request.user, item=item, text=form.cleaned_data["text"])
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
                status = 429 if isinstance(exc, services.SubmissionRateLimited) else 400
            else:
                return redirect(submission)
        else:
            status = 400
        text = request.POST.get("text", text)
    else:
        form = AnswerForm(initial={"text": text})
    submissions = selectors.submissions_of(user=request.user, item=item)[:20]
    return render(
        request,
        "exercises/item.html",
        {
            "item": item,
            "version": version,
            "prompt": services.item_prompt_for(user=request.user, item=item),
            "choices": selectors.item_choices(version=version),
            "form": form,
            "submissions": submissions,
            "latest": submissions[0] if submissions else None,
            "draft": draft,
            "examples_url": workspace.examples_url_for(item=item),
            "rules": selectors.submission_rules(assessment=item.assessment, user=request.user, item=item),
        },
        status=status,
    )


@login_required
@require_POST
def draft_save(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    item = selectors.item_get(slug=slug, user=request.user)
    try:
        draft = services.draft_save(user=request.user, item=item, text=request.POST.get("text", ""))
    except ValidationError as exc:
        # 409: an exam's time is over (the text is kept in its log); 413: too large.
        return JsonResponse(
            {"saved": False, "error": " ".join(exc.messages)}, status=409 if exc.code == "exam_over" else 413
        )
    return JsonResponse({"saved": True, "updated_at": draft.updated_at.isoformat()})


@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = selectors.submission_visible(user=request.user, pk=pk)
    earlier = selectors.submissions_of(user=submission.user, item=submission.item)[:20]
    return render(request, "exercises/submission.html", {"submission": submission, "earlier": earlier})


@login_required
@require_POST
def examples_run(request: AuthenticatedHttpRequest, slug: str) -> JsonResponse:
    """Start a free example run (not graded, not an attempt); answers with where to poll."""
    item = selectors.item_get(slug=slug, user=request.user)
    try:
        run_id = workspace.example_run_request(user=request.user, item=item, text=request.POST.get("text", ""))
    except workspace.ExampleRunRefused as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=exc.status)
    except PermissionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    url = reverse("exercises:examples_result", kwargs={"slug": item.slug, "run_id": run_id})
    return JsonResponse({"id": run_id, "url": url}, status=202)


@login_required
def examples_result(request: AuthenticatedHttpRequest, slug: str, run_id: str) -> JsonResponse:
    item = selectors.item_get(slug=slug, user=request.user)
    return JsonResponse(workspace.example_run_get(user=request.user, item=item, run_id=run_id))
