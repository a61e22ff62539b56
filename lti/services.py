"""LTI writes: registering platforms, accepting launches, deep links, roster sync, grades back."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import jwt
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from exercises.models import Assessment, Course, Enrollment, Item, Submission
from lti.models import Context, Deployment, GradeSync, Identity, Membership, Platform, ResourceLink, UsedNonce

if TYPE_CHECKING:
    from pylti1p3.assignments_grades import TAssignmentsGradersData
    from pylti1p3.deep_link import TDeepLinkData

logger = logging.getLogger(__name__)

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
TEACHER_ROLES = {
    MEMBERSHIP + "Instructor",
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "Instructor",
    "TeachingAssistant",
}
STUDENT_ROLES = {MEMBERSHIP + "Learner", "Learner"}
AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


# --- Registration ---------------------------------------------------------------------------------


def platform_register(
    *,
    issuer: str,
    client_id: str,
    deployment_id: str,
    login_url: str,
    token_url: str,
    jwks_url: str,
    course: Course,
    name: str = "",
) -> Platform:
    """Register a platform (or update the one with this issuer and client id) and a deployment."""
    with transaction.atomic():
        platform, _created = Platform.objects.update_or_create(
            issuer=issuer,
            client_id=client_id,
            defaults={
                "login_url": login_url,
                "token_url": token_url,
                "jwks_url": jwks_url,
                "course": course,
                "name": name or issuer,
            },
        )
        platform.full_clean()
        Deployment.objects.get_or_create(platform=platform, deployment_id=deployment_id)
    from lti import keys

    keys.key_current()  # made now, not during a student's first launch
    return platform


def tool_urls(base_url: str) -> dict[str, str]:
    """What an admin pastes into the LMS's tool form."""
    base = base_url.rstrip("/")
    return {
        "login_url": base + reverse("lti:login"),
        "redirect_uri": base + reverse("lti:launch"),
        "target_link_uri": base + reverse("lti:launch"),
        "deep_linking_url": base + reverse("lti:launch"),
        "jwks_url": base + reverse("lti:jwks"),
    }


# --- Launch ---------------------------------------------------------------------------------------


class LaunchError(Exception):
    """A launch we refuse; ``code`` names the reason (and the test that shows it)."""

    MESSAGES = {
        "bad_request": _("Starten saknar id_token eller state. Starta verktyget från kursens lärplattform."),
        "bad_token": _("Starten innehåller ingen läsbar id_token."),
        "unknown_issuer": _("Lärplattformen (utfärdaren) är inte registrerad här. Be en administratör registrera den."),
        "unknown_client": _("Klient-id:t är inte registrerat för den här lärplattformen."),
        "wrong_audience": _("Starten var avsedd för ett annat verktyg (fel mottagare, aud/azp)."),
        "bad_state": _(
            "Inloggningen gick inte att koppla till den här webbläsaren (state). Starta verktyget igen från kursen."
        ),
        "bad_signature": _("Starten är inte signerad av lärplattformens nyckel."),
        "expired": _("Starten har gått ut. Starta verktyget igen från kursen."),
        "unknown_deployment": _("Installationen (deployment id) är inte registrerad för den här lärplattformen."),
        "replayed": _("Den här starten har redan använts. Starta verktyget igen från kursen."),
        "bad_message": _("Starten saknar uppgifter som LTI 1.3 kräver."),
        "missing_role": _("Starten saknar roll. Du behöver vara lärare, assistent eller student i kursen."),
        "unknown_role": _(
            "Din roll i kursen ger ingen åtkomst här: bara lärare, assistenter och studenter skrivs in. "
            "Kontakta kursens lärare om det är fel."
        ),
    }

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    @property
    def message(self) -> str:
        return str(self.MESSAGES[self.code])


def _unverified(token: str) -> dict[str, Any]:
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise LaunchError("bad_token", str(exc)) from exc


def _platform_for(body: dict[str, Any]) -> Platform:
    """The registration a launch is for: its issuer, its audience (client id) and azp.

    As the LTI 1.3 security framework (and OpenID Connect Core 3.1.3.7) has it: ``aud`` is one
    client id or a list of them, and must contain ours, anywhere in the list. With several
    audiences ``azp`` must be present; when ``azp`` is present it must be our client id (one of
    the audiences). Of our registrations for the issuer, the one named by ``azp`` is taken, else
    the single audience.
    """
    iss = body.get("iss")
    if not iss or not Platform.objects.filter(issuer=iss).exists():
        raise LaunchError("unknown_issuer", str(iss))
    aud = body.get("aud")
    auds = [aud] if isinstance(aud, str) else [a for a in aud if isinstance(a, str)] if isinstance(aud, list) else []
    ours = {p.client_id: p for p in Platform.objects.filter(issuer=iss, client_id__in=auds)}
    if not ours:
        raise LaunchError("unknown_client", str(aud))
    azp = body.get("azp")
    if azp is not None:
        if not isinstance(azp, str) or azp not in ours:
            raise LaunchError("wrong_audience", f"aud={aud} azp={azp}: azp is not our client id")
        return ours[azp]
    if len(auds) > 1:
        raise LaunchError("wrong_audience", f"aud={aud}: several audiences and no azp")
    return ours[auds[0]]


def launch_role(body: dict[str, Any]) -> str:
    """teacher or student from the roles claim; LaunchError for none or another role."""
    roles = body.get(CLAIM + "roles")
    if not roles or not isinstance(roles, list):
        raise LaunchError("missing_role")
    if TEACHER_ROLES & set(roles):
        return Enrollment.Role.TEACHER
    if STUDENT_ROLES & set(roles):
        return Enrollment.Role.STUDENT
    raise LaunchError("unknown_role", ", ".join(map(str, roles)))


def launch_validate(request: Any) -> tuple[Any, Platform, dict[str, Any]]:
    """Validate an id_token POST completely, writing nothing. Returns (launch, platform, claims).

    1. id_token and state present and readable; issuer, client id (aud) and azp registered.
    2. pylti1p3: state (this browser's login), the nonce that our login issued, the signature
       against the platform's JWKS (fetched and cached; fetched again for an unknown kid),
       exp/iat, the deployment id.
    3. The role: teacher or student, or refused.
    4. The nonce not used before (it is recorded by ``launch_accept``).
    5. The message claims LTI 1.3 requires (version, sub, resource link or deep linking settings).
    """
    from pylti1p3.exception import LtiException, LtiInvalidNonceException, LtiKeyException

    from lti.tool import message_launch

    token = request.POST.get("id_token", "")
    if not token or not request.POST.get("state"):
        raise LaunchError("bad_request")
    body = _unverified(token)
    platform = _platform_for(body)
    launch = message_launch(request, client_id=platform.client_id)
    try:
        launch.validate_state()
    except LtiException as exc:
        raise LaunchError("bad_state", str(exc)) from exc
    try:
        launch.validate_jwt_format().validate_nonce().validate_registration()
    except LtiInvalidNonceException as exc:
        # Not a nonce our login issued (or it expired): a replay from elsewhere, or a forgery.
        if UsedNonce.objects.filter(issuer=platform.issuer, nonce=str(body.get("nonce"))).exists():
            raise LaunchError("replayed") from exc
        raise LaunchError("bad_state", str(exc)) from exc
    except LtiException as exc:
        raise LaunchError("bad_token", str(exc)) from exc
    try:
        try:
            launch.validate_jwt_signature()
        except LtiKeyException:
            _forget_platform_keys(platform)  # the platform may have rotated its keys
            launch.validate_jwt_signature()
    except LtiException as exc:
        if isinstance(exc.__cause__, jwt.ExpiredSignatureError):
            raise LaunchError("expired", str(exc)) from exc
        raise LaunchError("bad_signature", str(exc)) from exc
    try:
        launch.validate_deployment()
    except LtiException as exc:
        raise LaunchError("unknown_deployment", str(exc)) from exc
    if launch_role(body) and UsedNonce.objects.filter(issuer=platform.issuer, nonce=str(body.get("nonce"))).exists():
        raise LaunchError("replayed")
    try:
        launch.validate_message()
    except LtiException as exc:
        raise LaunchError("bad_message", str(exc)) from exc
    return launch, platform, body


def _forget_platform_keys(platform: Platform) -> None:
    from django.core.cache import cache

    cache.delete("lti1p3-key-set-url-" + hashlib.md5(platform.jwks_url.encode()).hexdigest())  # noqa: S324


@dataclass
class LaunchResult:
    user: User
    role: str
    platform: Platform
    target_url: str
    deep_linking: bool
    context: Context | None


def _username_for(issuer: str, sub: str, claims: dict[str, Any]) -> str:
    """A readable, unique username: the LMS's name (or email) and a hash of (issuer, sub)."""
    from django.utils.text import slugify

    readable = slugify(claims.get("name") or str(claims.get("email") or "").split("@")[0])[:30] or "lti"
    digest = hashlib.sha256(f"{issuer}\n{sub}".encode()).hexdigest()[:10]
    return f"{readable}-{digest}"


def identity_user(*, platform: Platform, sub: str, claims: dict[str, Any]) -> User:
    """The user of (issuer, sub), made on first sight; name and email follow the LMS."""
    identity = Identity.objects.select_related("user").filter(issuer=platform.issuer, sub=sub).first()
    first = str(claims.get("given_name") or "")[:150]
    last = str(claims.get("family_name") or "")[:150]
    if not (first or last) and claims.get("name"):
        first, _sep, last = str(claims["name"]).partition(" ")
    email = str(claims.get("email") or "")[:254]
    if identity is None:
        user = User.objects.create_user(username=_username_for(platform.issuer, sub, claims), email=email)
        user.set_unusable_password()
        user.first_name, user.last_name = first[:150], last[:150]
        user.save()
        Identity.objects.create(issuer=platform.issuer, sub=sub, user=user)
        return user
    user = identity.user
    changed = [
        f for f, v in (("first_name", first), ("last_name", last), ("email", email)) if v and getattr(user, f) != v
    ]
    for field in changed:
        setattr(user, field, {"first_name": first, "last_name": last, "email": email}[field])
    if changed:
        user.save(update_fields=changed)
    return user


def enrollment_set(*, user: User, course: Course, role: str) -> None:
    """Enrol with the LMS's role; a platform admin keeps their global role."""
    Enrollment.objects.update_or_create(course=course, user=user, defaults={"role": role})
    if role == Enrollment.Role.TEACHER and user.role == User.Role.STUDENT:
        user.role = User.Role.TEACHER
        user.save(update_fields=["role"])


def _context_save(platform: Platform, body: dict[str, Any]) -> Context | None:
    ctx = body.get(CLAIM + "context") or {}
    if not ctx.get("id"):
        return None
    ags = body.get(AGS_CLAIM) or {}
    nrps = body.get(NRPS_CLAIM) or {}
    defaults: dict[str, Any] = {"title": str(ctx.get("title") or "")[:300]}
    if ags.get("lineitems"):
        defaults.update(lineitems_url=ags["lineitems"], ags_scopes=list(ags.get("scope") or []))
    if nrps.get("context_memberships_url"):
        defaults["memberships_url"] = nrps["context_memberships_url"]
    context, _created = Context.objects.update_or_create(platform=platform, context_id=ctx["id"], defaults=defaults)
    return context


def _target_from_custom(platform: Platform, custom: dict[str, Any]) -> tuple[Assessment | None, Item | None]:
    """What a link points at: the custom parameters our deep linking response set."""
    item = assessment = None
    if custom.get("quiz_item"):
        item = Item.objects.filter(slug=str(custom["quiz_item"]), assessment__course=platform.course).first()
    elif custom.get("quiz_assessment"):
        assessment = Assessment.objects.filter(slug=str(custom["quiz_assessment"]), course=platform.course).first()
    return assessment, item


def _link_save(platform: Platform, context: Context | None, body: dict[str, Any]) -> ResourceLink | None:
    rl = body.get(CLAIM + "resource_link") or {}
    if not rl.get("id"):
        return None
    link = ResourceLink.objects.filter(platform=platform, resource_link_id=rl["id"]).first()
    assessment, item = _target_from_custom(platform, body.get(CLAIM + "custom") or {})
    ags = body.get(AGS_CLAIM) or {}
    fields: dict[str, Any] = {"title": str(rl.get("title") or "")[:300]}
    if context:
        fields["context_id"] = context.context_id
    if ags.get("lineitem"):
        fields["lineitem_url"] = ags["lineitem"]
    if ags.get("lineitems"):
        fields["lineitems_url"] = ags["lineitems"]
    if item or assessment:
        fields.update(item=item, assessment=assessment)
    if link is None:
        return ResourceLink.objects.create(platform=platform, resource_link_id=rl["id"], **fields)
    for name, value in fields.items():
        setattr(link, name, value)
    link.save()
    return link


def _landing(platform: Platform, link: ResourceLink | None) -> str:
    if link and link.item is not None:
        return link.item.get_absolute_url()
    if link and link.assessment is not None:
        return reverse("exercises:course", kwargs={"slug": platform.course.slug}) + f"#{link.assessment.slug}"
    return reverse("exercises:course", kwargs={"slug": platform.course.slug})


def launch_accept(*, platform: Platform, body: dict[str, Any]) -> LaunchResult:
    """Record a validated launch, in one transaction: the nonce (once only), the user by
    (issuer, sub), the enrolment with the LMS's role, the LMS course and the resource link."""
    role = launch_role(body)
    deep_linking = body.get(CLAIM + "message_type") == "LtiDeepLinkingRequest"
    with transaction.atomic():
        try:
            with transaction.atomic():
                UsedNonce.objects.create(issuer=platform.issuer, nonce=str(body["nonce"]))
        except IntegrityError as exc:
            raise LaunchError("replayed") from exc
        user = identity_user(platform=platform, sub=str(body["sub"]), claims=body)
        enrollment_set(user=user, course=platform.course, role=role)
        context = _context_save(platform, body)
        if context:
            Membership.objects.update_or_create(
                context=context,
                user=user,
                defaults={"roles": body.get(CLAIM + "roles") or [], "active": True, "left_at": None},
            )
        link = None if deep_linking else _link_save(platform, context, body)
    UsedNonce.objects.filter(used_at__lt=timezone.now() - timedelta(days=2)).delete()
    target = reverse("lti:deep_link") if deep_linking else _landing(platform, link)
    return LaunchResult(
        user=user, role=role, platform=platform, target_url=target, deep_linking=deep_linking, context=context
    )


# --- Deep linking ---------------------------------------------------------------------------------


def deep_link_response(
    *,
    platform: Platform,
    deployment_id: str,
    settings: dict[str, Any],
    items: list[Item],
    assessments: list[Assessment],
    base_url: str,
) -> tuple[str, str]:
    """The signed LtiDeepLinkingResponse for the chosen items and assessments: one resource link
    each, with a line item worth its points. Returns (return URL, JWT)."""
    from pylti1p3.deep_link import DeepLink
    from pylti1p3.deep_link_resource import DeepLinkResource
    from pylti1p3.lineitem import LineItem

    from lti.tool import registration_for

    launch_url = base_url.rstrip("/") + reverse("lti:launch")
    resources = []
    for assessment in assessments:
        points = sum((i.current_version.points for i in assessment.items.all() if i.current_version), Decimal(0))
        resources.append(
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(assessment.title)
            .set_custom_params({"quiz_assessment": assessment.slug})
            .set_lineitem(
                LineItem()
                .set_label(assessment.title)
                .set_score_maximum(float(points))
                .set_resource_id(f"assessment:{assessment.slug}")
                .set_tag("quiz")
            )
        )
    for item in items:
        version = item.current_version
        resources.append(
            DeepLinkResource()
            .set_url(launch_url)
            .set_title(version.title if version else item.slug)
            .set_custom_params({"quiz_item": item.slug})
            .set_lineitem(
                LineItem()
                .set_label(version.title if version else item.slug)
                .set_score_maximum(float(version.points if version else 0))
                .set_resource_id(f"item:{item.slug}")
                .set_tag("quiz")
            )
        )
    deep_link = DeepLink(registration_for(platform), deployment_id, cast("TDeepLinkData", settings))
    return settings["deep_link_return_url"], deep_link.get_response_jwt(resources)


# --- Roster (NRPS) --------------------------------------------------------------------------------


@dataclass
class RosterResult:
    added: int = 0
    updated: int = 0
    left: int = 0
    pages: int = 0


def roster_sync(*, context: Context) -> RosterResult:
    """Read the LMS course's members (every page) and enrol them; members who are gone from the
    roster (or inactive there) are marked as left, never deleted."""
    from pylti1p3.names_roles import NamesRolesProvisioningService

    from lti.tool import CachingConnector, registration_for

    platform = context.platform
    if not context.memberships_url:
        raise ValueError("no memberships URL")
    connector = CachingConnector(registration_for(platform))
    nrps = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url})
    result = RosterResult()
    members: list[dict[str, Any]] = []
    url: str | None = context.memberships_url
    while url:
        page, url = nrps.get_members_page(url)
        members.extend(cast(list[dict[str, Any]], page))
        result.pages += 1
    now = timezone.now()
    seen: set[int] = set()
    with transaction.atomic():
        for member in members:
            sub = str(member.get("user_id") or "")
            if not sub:
                continue
            try:
                role = launch_role({CLAIM + "roles": member.get("roles") or []})
            except LaunchError:
                continue  # observers, admins: not enrolled, as at launch
            known = Identity.objects.filter(issuer=platform.issuer, sub=sub).exists()
            user = identity_user(platform=platform, sub=sub, claims=member)
            active = member.get("status", "Active") == "Active"
            membership = Membership.objects.filter(context=context, user=user).first()
            if active:
                seen.add(user.pk)
                enrollment_set(user=user, course=platform.course, role=role)
            if membership is None:
                Membership.objects.create(
                    context=context,
                    user=user,
                    roles=member.get("roles") or [],
                    active=active,
                    left_at=None if active else now,
                )
                result.added += 1
            else:
                membership.roles, membership.active = member.get("roles") or [], active
                membership.left_at = None if active else (membership.left_at or now)
                membership.save()
                result.updated += 1
            if not known:
                logger.info("roster: new member %s of %s", user.pk, context)
        gone = Membership.objects.filter(context=context, active=True).exclude(user_id__in=seen)
        result.left = gone.update(active=False, left_at=now)
        context.synced_at = now
        context.save(update_fields=["synced_at"])
    return result


# --- Grades back (AGS) ----------------------------------------------------------------------------


def links_for_submissions(*, submission_ids: list[int]) -> list[tuple[ResourceLink, User]]:
    """The (link, student) pairs whose score may have changed with these submissions."""
    pairs: dict[tuple[int, int], tuple[ResourceLink, User]] = {}
    subs = Submission.objects.filter(pk__in=submission_ids).select_related("user", "item__assessment")
    for sub in subs:
        links = ResourceLink.objects.filter(
            Q(item=sub.item) | Q(assessment=sub.item.assessment), platform__course=sub.item.assessment.course_id
        ).select_related("platform")
        for link in links:
            if Identity.objects.filter(issuer=link.platform.issuer, user=sub.user).exists():
                pairs[(link.pk, sub.user_id)] = (link, sub.user)
    return list(pairs.values())


def grades_request(*, submission_ids: list[int]) -> list[int]:
    """Mark the affected scores as to be sent and enqueue one task each (after commit)."""
    from lti.tasks import send_score

    ids = []
    now = timezone.now()
    with transaction.atomic():
        for link, user in links_for_submissions(submission_ids=submission_ids):
            sync, _created = GradeSync.objects.update_or_create(
                link=link,
                user=user,
                defaults={"state": GradeSync.State.PENDING, "requested_at": now, "tries": 0, "queued_at": None},
            )
            ids.append(sync.pk)
        transaction.on_commit(lambda: [grade_enqueue(grade_sync_id=i, task=send_score) for i in ids])
    return ids


def grade_enqueue(*, grade_sync_id: int, task: Any = None) -> bool:
    """Put one score's send on the broker; False (the row left pending with ``queued_at`` unset,
    for the sweeper, ``grades_sweep``) if the broker is down."""
    from django.conf import settings

    from lti.tasks import send_score

    try:
        (task or send_score).apply_async(args=(grade_sync_id,), queue=settings.LTI_QUEUE)
    except Exception:  # the broker is down: the row stays pending; the sweeper queues it again
        logger.exception("could not enqueue LTI score %s", grade_sync_id)
        return False
    GradeSync.objects.filter(pk=grade_sync_id, state=GradeSync.State.PENDING).update(queued_at=timezone.now())
    return True


def grades_sweep(*, resend_after: float | None = None) -> dict[str, int]:
    """The sweeper's round for scores to the LMS (``manage.py requeue_stuck``): queue again what
    is pending and was never queued (the broker was down when the score changed), or was queued
    more than ``resend_after`` seconds ago and never taken (a message lost with the broker). A
    duplicate send is harmless: the task sends the newest state, and an older one never wins."""
    from django.conf import settings

    resend_after = settings.LTI_RESEND_AFTER_SECONDS if resend_after is None else resend_after
    stale = timezone.now() - timedelta(seconds=resend_after)
    counts = {"lti_sent": 0, "lti_broker_down": 0}
    pending = GradeSync.objects.filter(state=GradeSync.State.PENDING).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale)
    )
    for pk in pending.order_by("requested_at").values_list("pk", flat=True):
        if not grade_enqueue(grade_sync_id=pk):
            counts["lti_broker_down"] += 1
            break
        counts["lti_sent"] += 1
    return counts


@dataclass
class ScoreState:
    score_given: Decimal | None
    score_maximum: Decimal
    activity: str
    grading: str
    timestamp: datetime
    comment: str


def score_state(*, link: ResourceLink, user: User) -> ScoreState | None:
    """What the LMS should show for a student on a link, now: the best final score per item
    (summed over an assessment's items), PendingManual while an answer awaits review (its score
    is not sent: the student may not see it yet), Pending while one is being graded. None when
    the student has nothing finished."""
    items = (
        [link.item]
        if link.item is not None
        else list(link.assessment.items.filter(is_published=True))
        if link.assessment is not None
        else []
    )
    if not items:
        return None
    subs = Submission.objects.filter(user=user, item__in=items).select_related("item__assessment")
    if not subs.exists():
        return None
    maximum = sum((i.current_version.points for i in items if i.current_version), Decimal(0))
    best: dict[int, Decimal] = {}
    awaiting = pending = False
    comment = ""
    for sub in subs.order_by("created_at"):
        if sub.is_pending:
            pending = True
            continue
        if sub.final_score is None:
            continue
        if sub.item.assessment.needs_review and sub.reviewed_at is None:
            awaiting = True
            continue
        if sub.item_id not in best or sub.final_score > best[sub.item_id]:
            best[sub.item_id] = sub.final_score
        if sub.teacher_comment:
            comment = sub.teacher_comment
    changed = subs.aggregate(
        f=Max("finished_at"), r=Max("reviewed_at"), c=Max("score_changes__at"), q=Max("created_at")
    )
    timestamp = max(v for v in changed.values() if v is not None)
    grading = "PendingManual" if awaiting else ("Pending" if pending else "FullyGraded")
    if link.assessment_id and len(best) < len(items) and grading == "FullyGraded":
        activity = "InProgress"
    else:
        activity = "Submitted" if grading != "FullyGraded" else "Completed"
    given = sum(best.values(), Decimal(0)) if best else None
    if grading != "FullyGraded" and link.item_id:
        given = None  # nothing final to show yet for this item
    return ScoreState(given, maximum, activity, grading, timestamp, comment)


class ScoreSendError(Exception):
    pass


def _lineitem_url(link: ResourceLink, ags: Any, maximum: Decimal) -> str:
    """The link's gradebook column: known from a launch, else looked up by our resourceId (and
    the link id), else created once. A retry or a second deep link finds the existing column."""
    from pylti1p3.lineitem import LineItem

    if link.lineitem_url:
        return link.lineitem_url
    target = link.target_key

    def same(li: dict[str, Any]) -> bool:
        return li.get("resourceId") == target and li.get("resourceLinkId") in (None, "", link.resource_link_id)

    found = ags.find_lineitem_satisfying(same)
    if found is None:
        label = link.title or (
            link.item.slug if link.item is not None else link.assessment.title if link.assessment is not None else ""
        )
        found = ags.create_lineitem(
            LineItem()
            .set_label(label)
            .set_score_maximum(float(maximum))
            .set_resource_id(target)
            .set_resource_link_id(link.resource_link_id)
            .set_tag("quiz")
        )
    url = found.get_id() or ""
    ResourceLink.objects.filter(pk=link.pk).update(lineitem_url=url)
    return url


def score_send(*, grade_sync_id: int) -> str:
    """Send the current score of one student on one link to the LMS (the Celery task's body).

    1. Compute the score now, from the database (a late retry sends the newest state).
    2. Skip when what we sent already is as new (the older never overwrites the newer).
    3. Find the line item (never a second column), post the Score, record what was sent.
    """
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.grade import Grade
    from pylti1p3.lineitem import LineItem

    from lti.tool import CachingConnector, registration_for

    sync = (
        GradeSync.objects.select_related("link__platform", "link__item", "link__assessment", "user")
        .filter(pk=grade_sync_id)
        .first()
    )
    if sync is None:
        return "gone"
    link, platform = sync.link, sync.link.platform
    state = score_state(link=link, user=sync.user)
    if state is None:
        GradeSync.objects.filter(pk=sync.pk).update(state=GradeSync.State.SENT, last_error="")
        return "nothing"
    if sync.sent_timestamp and state.timestamp < sync.sent_timestamp:
        GradeSync.objects.filter(pk=sync.pk).update(state=GradeSync.State.SENT)
        return "older"
    identity = Identity.objects.filter(issuer=platform.issuer, user=sync.user).first()
    if identity is None:
        raise ScoreSendError("the student has no identity on this platform")
    context = Context.objects.filter(platform=platform, context_id=link.context_id).first()
    lineitems = link.lineitems_url or (context.lineitems_url if context else "")
    if not (link.lineitem_url or lineitems):
        raise ScoreSendError("the LMS gave no line items URL for this link (no launch with AGS yet)")
    ags = AssignmentsGradesService(
        CachingConnector(registration_for(platform)),
        cast(
            "TAssignmentsGradersData",
            {"scope": AGS_SCOPES, "lineitems": lineitems, "lineitem": link.lineitem_url or None},
        ),
    )
    url = _lineitem_url(link, ags, state.score_maximum)
    grade = (
        Grade()
        .set_score_maximum(float(state.score_maximum))
        .set_activity_progress(state.activity)
        .set_grading_progress(state.grading)
        .set_timestamp(state.timestamp.isoformat(timespec="microseconds"))
        .set_user_id(identity.sub)
    )
    if state.score_given is not None:
        grade.set_score_given(float(state.score_given))
    if state.comment:
        grade.set_comment(state.comment)
    ags.put_grade(grade, LineItem({"id": url}))
    GradeSync.objects.filter(pk=sync.pk).filter(
        Q(sent_timestamp__isnull=True) | Q(sent_timestamp__lte=state.timestamp)
    ).update(
        state=GradeSync.State.SENT,
        score_given=state.score_given,
        score_maximum=state.score_maximum,
        grading_progress=state.grading,
        sent_timestamp=state.timestamp,
        sent_at=timezone.now(),
        last_error="",
    )
    return "sent"


def score_failed(*, grade_sync_id: int, error: str, final: bool) -> None:
    GradeSync.objects.filter(pk=grade_sync_id).update(
        state=GradeSync.State.FAILED if final else GradeSync.State.PENDING, last_error=error[:2000]
    )


def score_resend(*, sync: GradeSync) -> None:
    GradeSync.objects.filter(pk=sync.pk).update(state=GradeSync.State.PENDING, tries=0, last_error="")
    transaction.on_commit(lambda: grade_enqueue(grade_sync_id=sync.pk))
