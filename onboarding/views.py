"""Pages of standalone onboarding, on the dashboard: a course's members, the roster import
(upload -> preview -> confirm), resending invitations; the set-password page of an invitation;
the demo outbox.

Who may do what: like the rest of the dashboard, a course is looked up only among
``courses_taught(user)`` (its teachers and the admins); anyone else gets 404, so a teacher of one
course can neither see nor change another course's people.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from exercises.models import Course, Enrollment
from exercises.selectors import courses_taught
from onboarding import roster, selectors, services
from onboarding.forms import MemberForm, RosterForm
from onboarding.models import RosterImport
from onboarding.tokens import invitation_token_generator


def _me(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # every view here is login_required
    return request.user


def _course(request: HttpRequest, slug: str) -> Course:
    return get_object_or_404(courses_taught(user=_me(request)), slug=slug)


def _base_url(request: HttpRequest) -> str:
    # QUIZ_SITE_URL when the platform sits behind a proxy that changes the host; else the host
    # of this request, which ALLOWED_HOSTS has already checked.
    return settings.QUIZ_SITE_URL or request.build_absolute_uri("/")


def _language(request: HttpRequest) -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


@login_required
def people(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = MemberForm(initial={"language": _language(request)})
    return render(
        request,
        "onboarding/people.html",
        {"course": course, "members": selectors.course_members(course=course), "form": form},
    )


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    form = MemberForm(request.POST)
    if form.is_valid():
        first, last = roster.split_name(form.cleaned_data["name"])
        try:
            result = services.member_add(
                course=course,
                by=_me(request),
                first_name=first,
                last_name=last,
                email=form.cleaned_data["email"],
                username=form.cleaned_data["username"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"],
                base_url=_base_url(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if result.created:
                messages.success(request, _("Kontot är skapat och en inbjudan skickad."))
            elif result.enrolled:
                messages.success(request, _("Personen är tillagd i kursen."))
            else:
                messages.info(request, _("Personen fanns redan i kursen."))
            if result.invite_failed:
                messages.error(request, _("Inbjudan kunde inte skickas; försök igen från listan."))
            return redirect("onboarding:people", slug=course.slug)
    return render(
        request,
        "onboarding/people.html",
        {"course": course, "members": selectors.course_members(course=course), "form": form},
        status=400,
    )


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course = _course(request, slug)
    enrollment = get_object_or_404(Enrollment.objects.select_related("user"), pk=pk, course=course)
    try:
        services.member_remove(course=course, enrollment=enrollment, by=_me(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("onboarding:people", slug=course.slug)
    messages.success(request, _("%(u)s är borttagen ur kursen.") % {"u": enrollment.user.username})
    if enrollment.user_id == request.user.pk and not courses_taught(user=_me(request)).filter(pk=course.pk).exists():
        return redirect("exercises:home")
    return redirect("onboarding:people", slug=course.slug)


@login_required
@require_POST
def invitation_resend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course = _course(request, slug)
    user = get_object_or_404(User, pk=pk, enrollments__course=course)
    try:
        services.invitation_resend(
            course=course, user=user, by=_me(request), language=_language(request), base_url=_base_url(request)
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Inbjudan till %(u)s är skickad igen.") % {"u": user.username})
    return redirect("onboarding:people", slug=course.slug)


@login_required
def roster_upload(request: HttpRequest, slug: str) -> HttpResponse:
    course = _course(request, slug)
    if request.method == "POST":
        form = RosterForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                roster_import = services.roster_preview_create(
                    course=course,
                    by=_me(request),
                    data=form.cleaned_data["data"],
                    text=form.cleaned_data["text"],
                    source=form.cleaned_data["source"],
                    language=form.cleaned_data["language"],
                )
            except roster.RosterError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("onboarding:roster_preview", slug=course.slug, pk=roster_import.pk)
        status = 400
    else:
        form = RosterForm(initial={"language": _language(request)})
        status = 200
    return render(request, "onboarding/roster_upload.html", {"course": course, "form": form}, status=status)


@login_required
def roster_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course = _course(request, slug)
    roster_import = get_object_or_404(RosterImport, pk=pk, course=course)
    if roster_import.status == RosterImport.Status.APPLIED:
        rows = roster_import.result.get("rows", [])
    else:
        rows = services.roster_plan(course=course, rows=roster_import.rows, language=roster_import.language)
    return render(
        request,
        "onboarding/roster_preview.html",
        {
            "course": course,
            "roster_import": roster_import,
            "rows": rows,
            "counts": services.plan_counts(rows),
            "applied": roster_import.status == RosterImport.Status.APPLIED,
        },
    )


@login_required
@require_POST
def roster_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    course = _course(request, slug)
    roster_import = get_object_or_404(RosterImport.objects.select_related("course"), pk=pk, course=course)
    try:
        services.roster_import_apply(roster_import=roster_import, by=_me(request), base_url=_base_url(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("onboarding:roster_preview", slug=course.slug, pk=roster_import.pk)


class InvitationAcceptView(auth_views.PasswordResetConfirmView):
    """The invitation's set-password page: Django's reset confirmation with the invitation's
    longer-lived token; after it, the person logs in with the new password."""

    template_name = "onboarding/invitation_accept.html"
    token_generator = invitation_token_generator
    reset_url_token = "set-password"  # noqa: S105 - a URL marker, not a secret
    success_url = reverse_lazy("login")

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        services.invitation_accept(user=form.user)
        messages.success(self.request, _("Ditt lösenord är sparat. Logga in med ditt användarnamn eller din e-post."))
        return response


@login_required
def mail_outbox(request: HttpRequest) -> HttpResponse:
    """Demo mode only: the mails the platform 'sent' (written to var/mail/), for staff."""
    if not (request.user.is_staff and selectors.mail_outbox_enabled()):
        raise Http404("No outbox")
    return render(request, "onboarding/mail_outbox.html", {"mails": selectors.mail_outbox()})
