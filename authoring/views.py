"""Teacher pages for writing items. Every view needs a login and looks everything up through the
courses the user teaches (``authoring.selectors``): students, teachers of other courses and
anonymous users are refused."""

from __future__ import annotations

from functools import wraps
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.requests import AuthenticatedHttpRequest
from authoring import selectors, services
from authoring.forms import ConceptForm, ConceptFormSet, ImportForm, ItemForm, weight_field_name
from authoring.models import ItemDraft
from exercises.selectors import courses_taught


def teacher_required(view: Any) -> Any:
    """Logged in and teaching at least one course (or an admin); object lookups narrow it further."""

    @login_required
    @wraps(view)
    def wrapper(request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not courses_taught(user=request.user).exists():
            raise PermissionDenied(_("Sidan är bara för kursens lärare."))
        return view(request, *args, **kwargs)

    return wrapper


def _errors(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def regrade_url(slug: str) -> str | None:
    """The dashboard's regrade page for an item, once the dashboard app provides it."""
    try:
        return reverse("dashboard:item_regrade", kwargs={"slug": slug})
    except NoReverseMatch:
        return None


@require_GET
@teacher_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "authoring/index.html",
        {"courses": courses_taught(user=request.user).order_by("slug"), "import_form": ImportForm()},
    )


@require_GET
@teacher_required
def course_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_taught_get(user=request.user, slug=slug)
    return render(
        request,
        "authoring/course.html",
        {"course": course, "overview": selectors.course_overview(course=course), "import_form": ImportForm()},
    )


CHECKS_TEMPLATE = Path(__file__).parent / "starters" / "checks_code.py"


def _editor(request: AuthenticatedHttpRequest, *, course: Any, draft: ItemDraft | None) -> HttpResponse:
    """The create and edit page: the item form and, for theory questions, the rubric formset."""
    editing = draft is not None
    if request.method == "POST":
        form = ItemForm(
            request.POST,
            course=course,
            editing=editing,
            kind=draft.kind if draft else None,
            initial=_initial(draft) if draft else None,
            **_requirement_table(draft),
        )
        concepts = ConceptFormSet(request.POST, prefix="concepts")
        kind = draft.kind if draft else request.POST.get("kind")
        concepts_ok = kind != "theory" or concepts.is_valid()
        if form.is_valid() and concepts_ok:
            rubric = concepts.rubric() if kind == "theory" else []
            fields = form.to_fields(rubric=rubric, previous=draft.fields if draft else None)
            try:
                if draft is None:
                    draft = services.draft_create(
                        user=request.user,
                        assessment=form.cleaned_data["assessment"],
                        slug=form.cleaned_data["slug"],
                        kind=form.cleaned_data["kind"],
                        order=form.cleaned_data["order"],
                        fields=fields,
                    )
                else:
                    draft = services.draft_update(
                        user=request.user,
                        draft=draft,
                        assessment=form.cleaned_data["assessment"],
                        order=form.cleaned_data["order"],
                        fields=fields,
                    )
            except ValidationError as exc:
                form.add_error(None, _errors(exc))
            else:
                messages.success(request, _("Utkastet är sparat."))
                if "validate" in request.POST:
                    services.validation_request(user=request.user, draft=draft)
                    return redirect("authoring:validation", pk=draft.pk)
                return redirect(draft)
    else:
        form = ItemForm(
            course=course,
            editing=editing,
            kind=draft.kind if draft else None,
            # A new item's checks start from the documented template (authoring/starters/).
            initial=_initial(draft) if draft else {"checks": CHECKS_TEMPLATE.read_text()},
            **_requirement_table(draft),
        )
        rubric = draft.fields.get("rubric", []) if draft else []
        concepts = ConceptFormSet(prefix="concepts", initial=[ConceptForm.initial_from(c) for c in rubric if "id" in c])
    return render(
        request,
        "authoring/edit.html",
        {
            "course": course,
            "draft": draft,
            "form": form,
            "concepts": concepts,
            "latest_run": draft.latest_run if draft else None,
            **_requirements_context(form, draft),
        },
    )


def _requirement_table(draft: ItemDraft | None) -> dict[str, Any]:
    """The draft's requirement table and item.yaml weights, for the form's weight fields."""
    config = (draft.fields.get("config") or {}) if draft and draft.kind != "theory" else {}
    table, weights = config.get("requirements"), config.get("weights")
    return {
        "requirements": table if isinstance(table, list) else [],
        "weights": weights if isinstance(weights, dict) else {},
    }


def _requirements_context(form: ItemForm, draft: ItemDraft | None) -> dict[str, Any]:
    """The requirement table as saved, each row with the form's field for its weight (none for a
    precondition), the sum of the weights, and whether it differs from the item's points (then
    the points are shared by weight, ``grader.requirements.score``)."""
    rows = selectors.requirement_rows(fields=draft.fields) if draft else []
    for row in rows:
        name = weight_field_name(row["id"])
        row["field"] = form[name] if name in form.fields else None
    total = sum(row["weight"] for row in rows)
    points = float(draft.fields.get("points") or 0) if draft else 0.0
    return {"requirements": rows, "weight_total": total, "weights_rescaled": bool(rows) and abs(total - points) > 1e-9}


def _initial(draft: ItemDraft) -> dict[str, Any]:
    return ItemForm.initial_from(
        slug=draft.slug, kind=draft.kind, assessment=draft.assessment, order=draft.order, fields=draft.fields
    )


@require_http_methods(["GET", "POST"])
@teacher_required
def item_new(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_taught_get(user=request.user, slug=slug)
    return _editor(request, course=course, draft=None)


@require_POST
@teacher_required
def item_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Open (or start) the draft of a published item. POST, since it may create the draft."""
    item = selectors.item_taught_get(user=request.user, slug=slug)
    try:
        draft = services.draft_for_item(user=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("authoring:course", slug=item.assessment.course.slug)
    return redirect(draft)


@require_http_methods(["GET", "POST"])
@teacher_required
def draft_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    return _editor(request, course=draft.course, draft=draft)


@require_POST
@teacher_required
def draft_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    course_slug = draft.course.slug
    item = services.draft_discard(user=request.user, draft=draft)
    messages.success(request, _("Ändringarna är borttagna.") if item else _("Utkastet är borttaget."))
    return redirect(draft) if item else redirect("authoring:course", slug=course_slug)


@require_POST
@teacher_required
def draft_validate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    services.validation_request(user=request.user, draft=draft)
    return redirect("authoring:validation", pk=draft.pk)


@require_GET
@teacher_required
def draft_validation(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    runs = selectors.validation_runs_of(draft=draft)
    latest = runs[0] if runs else None
    return render(
        request,
        "authoring/validation.html",
        {
            "draft": draft,
            "run": latest,
            "runs": runs,
            "current": latest is not None and latest.content_hash == draft.content_hash,
            "can_publish": latest is not None
            and latest.content_hash == draft.content_hash
            and latest.status == "passed"
            and not draft.is_published_as_is,
        },
    )


@require_http_methods(["GET", "POST"])
@teacher_required
def draft_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The draft as a student sees it, with a chosen variant; an answer tried here is graded
    against the draft (and that variant)."""
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    trial = selectors.trial_of(draft=draft, pk=request.GET.get("trial"))
    text = trial.text if trial else draft.fields.get("starter", "")
    source = request.POST if request.method == "POST" else request.GET
    chosen = {k.removeprefix("variant-"): v for k, v in source.items() if k.startswith("variant-")}
    if not chosen and trial:
        chosen = trial.variant
    try:
        variant = services.preview_variant(draft=draft, chosen=chosen)
        bad_variant = False
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        variant, bad_variant = services.preview_variant(draft=draft, chosen={}), True
    # An answer for a variant the item does not have is not graded under another one.
    if request.method == "POST":
        text = request.POST.get("text", "").replace("\r\n", "\n")
    if request.method == "POST" and not bad_variant:
        try:
            trial = services.trial_request(user=request.user, draft=draft, text=text, variant=variant)
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            return redirect(f"{reverse('authoring:preview', kwargs={'pk': draft.pk})}?trial={trial.pk}")
    return render(
        request,
        "authoring/preview.html",
        {
            "draft": draft,
            "fields": draft.fields,
            "trial": trial,
            "text": text,
            "requirements": selectors.requirement_rows(fields=draft.fields),
            **selectors.preview_of(draft=draft, variant=variant),
        },
    )


@require_POST
@teacher_required
def draft_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    try:
        outcome = services.draft_publish(user=request.user, draft=draft)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("authoring:validation", pk=draft.pk)
    if outcome.created:
        messages.success(
            request,
            _("Version %(number)d av %(slug)s är publicerad.") % {"number": outcome.version.number, "slug": draft.slug},
        )
    else:
        messages.info(request, _("Innehållet var redan publicerat; ingen ny version behövdes."))
    return redirect("authoring:published", pk=draft.pk)


@require_GET
@teacher_required
def draft_published(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """After publishing: the new version, and the choice to regrade older submissions."""
    draft = selectors.draft_taught_get(user=request.user, pk=pk)
    older = selectors.older_submission_count(draft=draft)
    return render(
        request,
        "authoring/published.html",
        {"draft": draft, "older": older, "regrade_url": regrade_url(draft.slug) if draft.item_id else None},
    )


@require_GET
@teacher_required
def course_export(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = selectors.course_taught_get(user=request.user, slug=slug)
    response = HttpResponse(selectors.course_export_zip(course=course), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.zip"'
    return response


@require_POST
@teacher_required
def course_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Välj en zip-fil."))
        return redirect("authoring:index")
    upload = form.cleaned_data["archive"]
    try:
        course, report = services.course_import_zip(user=request.user, upload=upload, size=upload.size)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
        return redirect("authoring:index")
    messages.success(
        request,
        _("Importerat: %(new)d nya uppgifter, %(versions)d nya versioner, %(same)d oförändrade.")
        % {"new": len(report.items_created), "versions": len(report.versions_created), "same": len(report.unchanged)},
    )
    return redirect("authoring:course", slug=course.slug)
