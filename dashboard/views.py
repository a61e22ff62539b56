"""The grading dashboard: for the teachers of a course and for admins, nobody else.

Who may see what: every view requires a login (anonymous users go to the login page), then
looks its course, item, assessment or submission up only among ``courses_taught(user)``. Anyone
else (a student, a teacher of another course) gets 404, the same answer as for an object that
does not exist, so the dashboard does not tell outsiders which courses or submissions exist.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedHttpRequest
from dashboard import selectors
from dashboard.forms import AcceptForm, AssessmentSettingsForm, ExtensionForm, OverrideForm, RegradeForm
from exercises import services
from exercises.models import Assessment, Course, Extension, Item, RegradeBatch, Submission
from exercises.selectors import courses_taught


def _taught(request: AuthenticatedHttpRequest) -> QuerySet[Course]:
    return courses_taught(user=request.user)


def _course(request: AuthenticatedHttpRequest, slug: str) -> Course:
    return get_object_or_404(_taught(request), slug=slug)


def _item(request: AuthenticatedHttpRequest, slug: str) -> Item:
    return get_object_or_404(
        Item.objects.select_related("current_version", "assessment__course"),
        slug=slug,
        assessment__course__in=_taught(request),
    )


def _submission(request: AuthenticatedHttpRequest, pk: int) -> Submission:
    return get_object_or_404(
        Submission.objects.select_related("user", "item__assessment__course", "item_version", "reviewed_by"),
        pk=pk,
        item__assessment__course__in=_taught(request),
    )


def _assessment(request: AuthenticatedHttpRequest, pk: int) -> Assessment:
    return get_object_or_404(Assessment.objects.select_related("course"), pk=pk, course__in=_taught(request))


def _safe_next(request: AuthenticatedHttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    courses = _taught(request).order_by("slug")
    if not courses.exists():
        raise Http404("No courses taught")
    if courses.count() == 1:
        return redirect("dashboard:gradebook", slug=courses.get().slug)
    return render(request, "dashboard/index.html", {"courses": courses})


@login_required
def gradebook(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    filters = {
        "assessment_slug": request.GET.get("assessment", ""),
        "query": request.GET.get("q", "").strip(),
        "status": request.GET.get("status", ""),
    }
    book = selectors.gradebook(course=course, **filters)
    return render(
        request,
        "dashboard/gradebook.html",
        {
            "course": course,
            "book": book,
            "filters": filters,
            "assessments": course.assessments.all(),
            "statuses": [
                (selectors.CellStatus.REVIEW, _("Väntar på granskning")),
                (selectors.CellStatus.PENDING, _("Rättas")),
                (selectors.CellStatus.OVERRIDDEN, _("Ändrad av lärare")),
                (selectors.CellStatus.FAILED, _("Fel vid rättning")),
                (selectors.CellStatus.NONE, _("Ej påbörjad")),
            ],
            "review_count": selectors.awaiting_review(course=course).count(),
        },
    )


# Cells a spreadsheet would run as a formula (CSV injection): user text starting with these.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


@login_required
def gradebook_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The gradebook as CSV, one row per student.

    By default for Excel with Swedish settings: UTF-8 with a byte-order mark (so å, ä, ö open
    right), semicolons between fields and a decimal comma. ``?dialect=plain`` gives commas, a
    decimal point and no BOM, for systems that read standard CSV.
    """
    course = _course(request, slug)
    book = selectors.gradebook(course=course, assessment_slug=request.GET.get("assessment", ""))
    plain = request.GET.get("dialect") == "plain"

    def number(value: Decimal | None) -> str:
        if value is None:
            return ""
        text = f"{value.normalize():f}"
        return text if plain else text.replace(".", ",")

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}-gradebook-{stamp}.csv"'
    if not plain:
        response.write("\ufeff")
    writer = csv.writer(response, delimiter="," if plain else ";", lineterminator="\r\n")
    writer.writerow(
        ["username", "first_name", "last_name", "email", *[i.slug for i in book.items], "total", "max_total"]
    )
    for row in book.rows:
        s = row.student
        writer.writerow(
            [
                _cell(s.username),
                _cell(s.first_name),
                _cell(s.last_name),
                _cell(s.email),
                *[number(c.best) for c in row.cells],
                number(row.total),
                number(book.max_total),
            ]
        )
    return response


@login_required
def submission_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    attempts = selectors.submission_attempts(submission=submission)
    diff, against = None, None
    if request.GET.get("against"):
        try:
            against = attempts.get(pk=int(request.GET["against"]))
        except (ValueError, Submission.DoesNotExist):
            raise Http404("No such attempt") from None
        older, newer = sorted([against, submission], key=lambda s: (s.created_at, s.pk))
        diff = selectors.submissions_diff(old=older, new=newer)
    return render(
        request,
        "dashboard/submission.html",
        {
            "submission": submission,
            "attempts": attempts,
            "audit": selectors.submission_audit(submission=submission),
            "override_form": OverrideForm(initial={"score": submission.final_score}),
            "accept_form": AcceptForm(),
            "diff": diff,
            "against": against,
        },
    )


@login_required
@require_POST
def submission_override(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    form = OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        try:
            services.submission_score_override(
                submission=submission,
                by=request.user,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("Poängen är ändrad."))
    return redirect(_safe_next(request, reverse("dashboard:submission", args=[submission.pk])))


@login_required
@require_POST
def submission_accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    form = AcceptForm(request.POST)
    form.is_valid()
    try:
        services.submission_review_accept(
            submission=submission, by=request.user, comment=form.cleaned_data.get("comment", "")
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Poängen är bekräftad."))
        request.session["undo_accept"] = submission.pk  # the review queue offers to take it back
    return redirect(_safe_next(request, reverse("dashboard:submission", args=[submission.pk])))


@login_required
@require_POST
def submission_accept_undo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    try:
        services.submission_review_undo(submission=submission, by=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("Bekräftelsen är ångrad; svaret är tillbaka i kön."))
        request.session.pop("undo_accept", None)
    return redirect(_safe_next(request, reverse("dashboard:submission", args=[submission.pk])))


@login_required
@require_POST
def submission_regrade(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    submission = _submission(request, pk)
    batch = services.submissions_regrade(
        submissions=[submission], by=request.user, description=f"{submission.item.slug} #{submission.pk}"
    )
    return redirect("dashboard:regrade_progress", pk=batch.pk)


@login_required
def item_regrade(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Regrade an item's submissions: those graded against an older version, or all of them."""
    item = _item(request, slug)
    candidates = selectors.regrade_candidates(item=item)
    if request.method == "POST":
        form = RegradeForm(request.POST)
        if form.is_valid():
            scope = form.cleaned_data["scope"]
            chosen = candidates.old if scope == RegradeForm.SCOPE_OLD else candidates.finished
            batch = services.submissions_regrade(
                submissions=list(chosen), by=request.user, description=f"{item.slug} ({scope})"
            )
            return redirect("dashboard:regrade_progress", pk=batch.pk)
    else:
        form = RegradeForm()
    return render(
        request,
        "dashboard/item_regrade.html",
        {
            "item": item,
            "form": form,
            "old_count": candidates.old.count(),
            "all_count": candidates.finished.count(),
            "counts": candidates.per_version,
        },
    )


@login_required
def regrade_progress(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(RegradeBatch, pk=pk)
    subs = batch.submissions.select_related("user", "item", "item_version")
    # Visible to whoever teaches every course the batch touches; an empty batch to its author,
    # if they still teach, and to admins.
    taught = _taught(request)
    if subs.exclude(item__assessment__course__in=taught).exists():
        raise Http404("No such regrade")
    if not subs.exists() and not (
        request.user.is_platform_admin or (batch.created_by_id == request.user.pk and taught.exists())
    ):
        raise Http404("No such regrade")
    total = subs.count()
    pending = subs.filter(status__in=Submission.PENDING).count()
    progress = {"total": total, "done": total - pending, "pending": pending, "finished": pending == 0}
    if request.GET.get("format") == "json":
        return JsonResponse(progress)
    return render(request, "dashboard/regrade_progress.html", {"batch": batch, "subs": subs, "progress": progress})


@login_required
def course_stats(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    return render(
        request, "dashboard/course_stats.html", {"course": course, "stats": selectors.course_statistics(course=course)}
    )


@login_required
def item_stats(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    item = _item(request, slug)
    stats = selectors.item_statistics(item=item)
    peak = max((n for _label, n in stats.distribution), default=0) or 1
    return render(request, "dashboard/item_stats.html", {"item": item, "stats": stats, "peak": peak})


@login_required
def review_overview(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    return render(
        request, "dashboard/review_overview.html", {"course": course, "rows": selectors.review_overview(course=course)}
    )


@login_required
def review_item(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    item = _item(request, slug)
    undo = (
        Submission.objects.filter(pk=request.session.get("undo_accept") or 0, item=item, reviewed_by=request.user)
        .select_related("user")
        .first()
    )
    return render(
        request,
        "dashboard/review_item.html",
        {"item": item, "queue": selectors.review_queue(item=item), "override_form": OverrideForm(), "undo": undo},
    )


@login_required
def health(request: AuthenticatedHttpRequest) -> HttpResponse:
    courses = _taught(request)
    if not courses.exists():
        raise Http404("No courses taught")
    return render(request, "dashboard/health.html", {"health": selectors.grading_health(courses=courses)})


@login_required
def assessment_settings(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = _assessment(request, pk)
    students = selectors.course_students(course=assessment.course)
    if request.method == "POST" and "save_settings" in request.POST:
        form = AssessmentSettingsForm(request.POST, instance=Assessment.objects.get(pk=assessment.pk))
        ext_form = ExtensionForm(students=students)
        if form.is_valid():
            services.assessment_settings_update(
                assessment=assessment, by=request.user, **{f: form.cleaned_data[f] for f in form.Meta.fields}
            )
            messages.success(request, _("Inställningarna är sparade."))
            return redirect("dashboard:assessment_settings", pk=assessment.pk)
    elif request.method == "POST" and "save_extension" in request.POST:
        form = AssessmentSettingsForm(instance=assessment)
        ext_form = ExtensionForm(request.POST, students=students)
        if ext_form.is_valid():
            services.extension_set(assessment=assessment, by=request.user, **ext_form.cleaned_data)
            messages.success(request, _("Förlängningen är sparad."))
            return redirect("dashboard:assessment_settings", pk=assessment.pk)
    else:
        form = AssessmentSettingsForm(instance=assessment)
        ext_form = ExtensionForm(students=students)
    return render(
        request,
        "dashboard/assessment_settings.html",
        {
            "assessment": assessment,
            "form": form,
            "ext_form": ext_form,
            "extensions": assessment.extensions.select_related("user", "created_by").order_by("user__username"),
        },
    )


@login_required
@require_POST
def extension_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    extension = get_object_or_404(Extension, pk=pk, assessment__course__in=_taught(request))
    assessment_pk = extension.assessment_id
    services.extension_delete(extension=extension)
    messages.success(request, _("Förlängningen är borttagen."))
    return redirect("dashboard:assessment_settings", pk=assessment_pk)
