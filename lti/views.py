"""LTI endpoints (login, launch, JWKS, deep linking) and the LTI pages of the dashboard.

Who may see what: login, launch and JWKS are public (their security is the signed id_token, the
state and the nonce); deep linking needs the session of an instructor's deep linking launch; the
course's LTI page and its actions are for the course's teachers and admins (404 for others, as
on the dashboard); platform registration is for platform admins only (404 for others).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.requests import AuthenticatedHttpRequest
from exercises.models import Assessment, Course, Item
from exercises.selectors import courses_taught
from lti import keys, selectors, services
from lti.forms import PlatformForm
from lti.middleware import SESSION_KEY, lti_csp
from lti.models import Context, Deployment, GradeSync, Platform

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict

logger = logging.getLogger(__name__)
DEEP_LINK_SESSION = "lti_deep_link"


def _error(request: HttpRequest, message: str, status: int = 400, code: str = "") -> HttpResponse:
    """The refusal page. It is shown inside the LMS's iframe, so registered platforms may frame it
    (it has no buttons or forms: nothing to click-jack)."""
    response = render(request, "lti/error.html", {"message": message, "code": code}, status=status)
    origins = sorted({p.origin for p in Platform.objects.all()})
    if origins:
        response.headers["Content-Security-Policy"] = lti_csp(origins, nonce=getattr(request, "csp_nonce", None))
        response.xframe_options_exempt = True
    return response


@csrf_exempt  # a cross-site request from the LMS by design; nothing is written
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party initiated login: check the issuer and client, then send the browser to
    the platform's authorization endpoint with a fresh state and nonce."""
    from pylti1p3.exception import LtiException, OIDCException

    from lti.tool import oidc_login

    params = request.POST if request.method == "POST" else request.GET
    iss, client_id = params.get("iss", ""), params.get("client_id", "")
    if not iss or not params.get("login_hint") or not params.get("target_link_uri"):
        return _error(request, _("Inloggningen saknar iss, login_hint eller target_link_uri."), code="bad_request")
    platforms = Platform.objects.filter(issuer=iss)
    if not platforms.exists():
        return _error(request, str(services.LaunchError.MESSAGES["unknown_issuer"]), code="unknown_issuer")
    if client_id and not platforms.filter(client_id=client_id).exists():
        return _error(request, str(services.LaunchError.MESSAGES["unknown_client"]), code="unknown_client")
    if not client_id and platforms.count() > 1:
        return _error(request, _("Inloggningen saknar client_id."), code="unknown_client")
    deployment = params.get("lti_deployment_id")
    if deployment and not Deployment.objects.filter(platform__in=platforms, deployment_id=deployment).exists():
        return _error(request, str(services.LaunchError.MESSAGES["unknown_deployment"]), code="unknown_deployment")
    if not client_id:
        # pylti1p3 looks registrations up by (iss, client_id): fill in the only one there is.
        filled = params.copy()
        filled["client_id"] = platforms.get().client_id
        # Read only from here on, as Django's own (the stubs type them immutable).
        readonly = cast("_ImmutableQueryDict", filled)
        if request.method == "POST":
            request.POST = readonly
        else:
            request.GET = readonly
    launch_url = request.build_absolute_uri(reverse_launch())
    try:
        return oidc_login(request).redirect(launch_url)
    except (LtiException, OIDCException) as exc:
        logger.info("LTI login refused: %s", exc)
        return _error(request, _("Inloggningen från lärplattformen kunde inte tas emot."), code="bad_request")


def reverse_launch() -> str:
    from django.urls import reverse

    return reverse("lti:launch")


@csrf_exempt  # the platform's form post: its id_token, state and nonce are the protection
@never_cache
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    try:
        launch_obj, platform, body = services.launch_validate(request)
        result = services.launch_accept(platform=platform, body=body)
    except services.LaunchError as exc:
        logger.info("LTI launch refused: %s", exc)
        status = 403 if exc.code in ("unknown_role", "missing_role") else 400
        return _error(request, exc.message, status=status, code=exc.code)
    # The first configured backend: the session names it, and a backend that is not configured
    # logs the user out again on the next request.
    auth_login(request, result.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    origins = set(request.session.get(SESSION_KEY) or [])
    origins.add(platform.origin)
    request.session[SESSION_KEY] = sorted(origins)
    if result.deep_linking:
        if result.role != "teacher":
            return _error(request, _("Bara lärare kan lägga till uppgifter i kursen."), status=403, code="not_teacher")
        deployment_id = body["https://purl.imsglobal.org/spec/lti/claim/deployment_id"]
        request.session[DEEP_LINK_SESSION] = {
            "platform": platform.pk,
            "deployment_id": deployment_id,
            "settings": body[services.DL_CLAIM],
        }
    return HttpResponseRedirect(result.target_url)


@never_cache
def jwks(request: HttpRequest) -> JsonResponse:
    return JsonResponse(keys.keys_published())


@login_required
@require_http_methods(["GET", "POST"])
def deep_link(request: AuthenticatedHttpRequest) -> HttpResponse:
    """An instructor picks assessments and items; the signed response goes back to the LMS."""
    state = request.session.get(DEEP_LINK_SESSION)
    platform = (
        Platform.objects.filter(pk=state["platform"]).select_related("course").first()
        if state and state.get("platform")
        else None
    )
    if not state or platform is None:
        return _error(request, _("Ingen pågående länkning från en lärplattform. Börja från kursen i lärplattformen."))
    if not courses_taught(user=request.user).filter(pk=platform.course_id).exists():
        raise Http404
    course = platform.course
    assessments = list(Assessment.objects.filter(course=course).prefetch_related("items__current_version"))
    if request.method == "POST":
        items = list(Item.objects.filter(assessment__course=course, slug__in=request.POST.getlist("item")))
        chosen = list(Assessment.objects.filter(course=course, slug__in=request.POST.getlist("assessment")))
        if not items and not chosen:
            messages.error(request, _("Välj minst en del eller uppgift."))
        else:
            url, token = services.deep_link_response(
                platform=platform,
                deployment_id=state["deployment_id"],
                settings=state["settings"],
                items=items,
                assessments=chosen,
                base_url=request.build_absolute_uri("/"),
            )
            del request.session[DEEP_LINK_SESSION]
            response = render(request, "lti/deep_link_return.html", {"return_url": url, "jwt": token})
            target = urlsplit(url)
            response.headers["Content-Security-Policy"] = lti_csp(
                request.session.get(SESSION_KEY) or [],
                form_targets=(f"{target.scheme}://{target.netloc}",),
                nonce=getattr(request, "csp_nonce", None),
            )
            return response
    return render(request, "lti/deep_link.html", {"course": course, "assessments": assessments})


def _admin_only(request: AuthenticatedHttpRequest) -> None:
    if not request.user.is_platform_admin:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def admin_platforms(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Platform admins register LMS platforms and read the values to paste into the LMS."""
    _admin_only(request)
    form = PlatformForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            platform = services.platform_register(**data)
        except ValidationError as exc:
            form.add_error(None, " ".join(exc.messages))
        else:
            messages.info(request, _("Lärplattformen %(name)s är registrerad.") % {"name": platform})
            return redirect("lti:admin")
    return render(
        request,
        "lti/admin.html",
        {
            "form": form,
            "platforms": Platform.objects.select_related("course").prefetch_related("deployments"),
            "tool": services.tool_urls(request.build_absolute_uri("/")),
            "keys": keys.keys_published()["keys"],
        },
        status=400 if request.method == "POST" else 200,
    )


def _taught_course(request: AuthenticatedHttpRequest, slug: str) -> Course:
    return get_object_or_404(courses_taught(user=request.user), slug=slug)


@login_required
def course_lti(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _taught_course(request, slug)
    return render(request, "lti/course.html", selectors.course_lti(course=course))


@login_required
@require_POST
def roster_sync(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    course = _taught_course(request, slug)
    contexts = Context.objects.filter(platform__course=course).exclude(memberships_url="")
    if not contexts.exists():
        messages.error(request, _("Ingen lärplattform har angett någon deltagarlista (NRPS) för kursen ännu."))
        return redirect("lti:course", slug=slug)
    for context in contexts:
        try:
            result = services.roster_sync(context=context)
        except Exception as exc:
            logger.warning("roster sync of %s failed: %s", context, exc)
            messages.error(
                request, _("Deltagarlistan från %(ctx)s kunde inte hämtas: %(err)s") % {"ctx": context, "err": exc}
            )
        else:
            messages.info(
                request,
                _("%(ctx)s: %(added)d nya, %(updated)d uppdaterade, %(left)d har lämnat kursen (%(pages)d sidor).")
                % {
                    "ctx": context,
                    "added": result.added,
                    "updated": result.updated,
                    "left": result.left,
                    "pages": result.pages,
                },
            )
    return redirect("lti:course", slug=slug)


@login_required
@require_POST
def grade_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    sync = get_object_or_404(
        GradeSync.objects.select_related("link__platform__course"),
        pk=pk,
        link__platform__course__in=courses_taught(user=request.user),
    )
    services.score_resend(sync=sync)
    messages.info(request, _("Poängen skickas igen."))
    return redirect("lti:course", slug=sync.link.platform.course.slug)
