"""Similarity pages of the dashboard: for the teachers of a course and admins, 404 for everyone else.

Objects are looked up only among ``courses_taught(user)``, as in ``dashboard.views``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.requests import AuthenticatedHttpRequest
from exercises.models import Course, Item, Submission
from exercises.selectors import courses_taught
from integrity import selectors, services
from integrity.forms import PairMarkForm


def _course(request: AuthenticatedHttpRequest, slug: str) -> Course:
    return get_object_or_404(courses_taught(user=request.user), slug=slug)


def _item(request: AuthenticatedHttpRequest, slug: str) -> Item:
    item = get_object_or_404(
        Item.objects.select_related("current_version", "assessment__course"),
        slug=slug,
        assessment__course__in=courses_taught(user=request.user),
    )
    if not selectors.comparable(item=item):
        raise Http404("No similarity for this kind of item")
    return item


def _pair(request: AuthenticatedHttpRequest, slug: str, a: int, b: int) -> tuple[Item, Submission, Submission]:
    item = _item(request, slug)
    subs = Submission.objects.select_related("user").filter(item=item)
    first, second = get_object_or_404(subs, pk=a), get_object_or_404(subs, pk=b)
    if first.user_id == second.user_id:
        raise Http404("A pair is two students")
    return item, first, second


@login_required
def course_overview(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    return render(request, "integrity/course.html", {"course": course, "items": selectors.course_items(course=course)})


@login_required
def item_pairs(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    item = _item(request, slug)
    use = selectors.BEST if request.GET.get("use") == selectors.BEST else selectors.LATEST
    return render(request, "integrity/item.html", {"item": item, "ranking": selectors.item_ranking(item=item, use=use)})


@login_required
def pair_detail(request: AuthenticatedHttpRequest, slug: str, a: int, b: int) -> HttpResponse:
    item, first, second = _pair(request, slug, a, b)
    view = selectors.pair_view(item=item, a=first, b=second)
    latest = view.history.first()
    form = PairMarkForm(initial={"verdict": latest.verdict} if latest else None)
    return render(
        request,
        "integrity/pair.html",
        {"item": item, "view": view, "sides": [view.left, view.right], "form": form, "latest": latest},
    )


@login_required
@require_POST
def pair_mark(request: AuthenticatedHttpRequest, slug: str, a: int, b: int) -> HttpResponse:
    item, first, second = _pair(request, slug, a, b)
    form = PairMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    else:
        score = selectors.pair_view(item=item, a=first, b=second).score
        try:
            services.pair_mark_create(a=first, b=second, by=request.user, score=score, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Bedömningen är sparad."))
    return redirect("integrity:pair", slug=item.slug, a=first.pk, b=second.pk)
