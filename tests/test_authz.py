"""The authorization matrix: every URL pattern the resolver knows × every persona.

The URL list is not written by hand: it is enumerated from the root resolver, and a URL with no
entry in POLICY fails the test, so whoever adds a view must say here who may use it. Personas:
anonymous, the student who owns the submission, another student of the course, the course's
teacher, a teacher of another course only (not enrolled in this one), and a platform admin.

Outcomes: OK (the view did its work: 2xx, a redirect that is not to a login page, or a 400 on the
deliberately empty body), LOGIN (sent to log in: a redirect to a login page, or 401 from the
API), HIDDEN (404: the thing is not revealed to exist), FORBIDDEN (403). A 5xx is always a failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

OK, LOGIN, HIDDEN, FORBIDDEN = "ok", "login", "hidden", "forbidden"
PERSONAS = ["anonymous", "student", "other_student", "teacher", "other_teacher", "admin"]


def matrix(anonymous, student, other_student, teacher, other_teacher, admin) -> dict[str, str]:
    return dict(zip(PERSONAS, [anonymous, student, other_student, teacher, other_teacher, admin], strict=True))


PUBLIC = matrix(OK, OK, OK, OK, OK, OK)
SIGNED_IN = matrix(LOGIN, OK, OK, OK, OK, OK)
COURSE_MEMBERS = matrix(LOGIN, OK, OK, OK, HIDDEN, OK)  # takes or teaches the course
OWNER_AND_STAFF = matrix(LOGIN, OK, HIDDEN, OK, HIDDEN, OK)  # the owner, the course's teachers, admins
STAFF_ONLY = matrix(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK)  # Django admin: is_staff
STAFF_ONLY_HIDDEN = matrix(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, HIDDEN)
SIGNED_OUT = matrix(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)  # logging out ends on a login page
# The dashboard does not reveal itself to students: 404. Its start and health pages are for anyone
# who teaches some course (each sees only their own courses there).
DASHBOARD_ANY = matrix(LOGIN, HIDDEN, HIDDEN, OK, OK, OK)
COURSE_STAFF = matrix(LOGIN, HIDDEN, HIDDEN, OK, HIDDEN, OK)  # the course's teachers and admins
# Authoring tells students it is for teachers (403); another course's things stay hidden (404).
AUTHORING_ANY = matrix(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, OK)
AUTHORING_COURSE = matrix(LOGIN, FORBIDDEN, FORBIDDEN, OK, HIDDEN, OK)
COURSE = "kunskapskontroll-2"


@dataclass
class Rule:
    expect: dict[str, str]
    method: str = "get"
    data: dict = field(default_factory=dict)
    path: str | None = None  # for regex routes that a sample value cannot fill
    why: str = ""


SAMPLES = {
    "slug": "{slug}",
    "pk": "{submission}",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
}

POLICY: dict[str, Rule] = {
    "": Rule(SIGNED_IN, why="the course list, only courses the user takes or teaches"),
    "courses/<slug:slug>/": Rule(COURSE_MEMBERS, path="/courses/kunskapskontroll-2/"),
    "items/<slug:slug>/": Rule(COURSE_MEMBERS),
    "items/<slug:slug>/draft": Rule(COURSE_MEMBERS, method="post", data={"text": "x = 1"}),
    "submissions/<int:pk>/": Rule(OWNER_AND_STAFF),
    "items/<slug:slug>/examples": Rule(
        COURSE_MEMBERS, method="post", data={"text": "x = 1\n"}, why="a free example run, not an attempt"
    ),
    "items/<slug:slug>/examples/<str:run_id>": Rule(
        matrix(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
        path="/items/count-parameters/examples/no-such-run",
        why="an example run is only its owner's; an unknown id is 404 for everyone",
    ),
    "login/": Rule(PUBLIC),
    "logout/": Rule(SIGNED_OUT, method="post", why="logs out and sends to the login page"),
    "i18n/setlang/": Rule(PUBLIC, method="post", data={"language": "en", "next": "/"}),
    "api/v1/auth/token": Rule(PUBLIC, method="post", why="public, throttled; an empty body is a 400"),
    "api/v1/items/<slug:slug>/submissions": Rule(
        COURSE_MEMBERS, method="post", data={"code": "def dense_params(a, b):\n    return 0\n"}
    ),
    "api/v1/submissions/<int:pk>": Rule(OWNER_AND_STAFF),
    "api/v1/schema": Rule(PUBLIC, why="the OpenAPI schema describes the API, it holds no data"),
    "dashboard/": Rule(DASHBOARD_ANY),
    "dashboard/health/": Rule(DASHBOARD_ANY, why="failed jobs listed only for the viewer's courses"),
    "dashboard/courses/<slug:slug>/": Rule(COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/"),
    "dashboard/courses/<slug:slug>/gradebook.csv": Rule(
        COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/gradebook.csv"
    ),
    "dashboard/courses/<slug:slug>/statistics/": Rule(COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/statistics/"),
    "dashboard/courses/<slug:slug>/review/": Rule(COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/review/"),
    "dashboard/items/<slug:slug>/review/": Rule(COURSE_STAFF),
    "dashboard/items/<slug:slug>/statistics/": Rule(COURSE_STAFF),
    "dashboard/items/<slug:slug>/regrade/": Rule(COURSE_STAFF),
    "dashboard/regrades/<int:pk>/": Rule(COURSE_STAFF, path="/dashboard/regrades/{regrade}/"),
    "dashboard/submissions/<int:pk>/": Rule(COURSE_STAFF),
    "dashboard/submissions/<int:pk>/override": Rule(
        COURSE_STAFF, method="post", data={"score": "1", "comment": "matrix"}
    ),
    "dashboard/submissions/<int:pk>/accept": Rule(COURSE_STAFF, method="post"),
    "dashboard/submissions/<int:pk>/accept/undo": Rule(
        COURSE_STAFF, method="post", why="nothing confirmed: refused with a message, a redirect"
    ),
    "dashboard/submissions/<int:pk>/regrade": Rule(COURSE_STAFF, method="post"),
    "dashboard/assessments/<int:pk>/settings/": Rule(
        COURSE_STAFF, path="/dashboard/assessments/{assessment}/settings/"
    ),
    "dashboard/extensions/<int:pk>/delete": Rule(
        COURSE_STAFF, method="post", path="/dashboard/extensions/{extension}/delete"
    ),
    # Onboarding (issue 11): a course's people and roster import for its teachers and admins.
    "password-reset/": Rule(PUBLIC),
    "password-reset/sent/": Rule(PUBLIC),
    "reset/<uidb64>/<token>/": Rule(PUBLIC, path="/reset/MQ/bad-token/", why="a bad link: a page that says so"),
    "reset/done/": Rule(PUBLIC),
    "invitation/<uidb64>/<token>/": Rule(PUBLIC, path="/invitation/MQ/bad:token/", why="a bad link: says so"),
    "dashboard/courses/<slug:slug>/people/": Rule(COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/people/"),
    "dashboard/courses/<slug:slug>/people/add": Rule(
        COURSE_STAFF, method="post", path=f"/dashboard/courses/{COURSE}/people/add", why="empty: the form, 400"
    ),
    "dashboard/courses/<slug:slug>/people/<int:pk>/remove": Rule(
        COURSE_STAFF, method="post", path=f"/dashboard/courses/{COURSE}/people/{{leaver_enrollment}}/remove"
    ),
    "dashboard/courses/<slug:slug>/people/<int:pk>/invite": Rule(
        COURSE_STAFF, method="post", path=f"/dashboard/courses/{COURSE}/people/{{invitee}}/invite"
    ),
    "dashboard/courses/<slug:slug>/roster/": Rule(COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/roster/"),
    "dashboard/courses/<slug:slug>/roster/<int:pk>/": Rule(
        COURSE_STAFF, path=f"/dashboard/courses/{COURSE}/roster/{{roster_import}}/"
    ),
    "dashboard/courses/<slug:slug>/roster/<int:pk>/confirm": Rule(
        COURSE_STAFF, method="post", path=f"/dashboard/courses/{COURSE}/roster/{{roster_import}}/confirm"
    ),
    "dashboard/mail/": Rule(
        matrix(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK), why="demo outbox: is_staff, demo mode, file backend"
    ),
    "dashboard/similarity/courses/<slug:slug>/": Rule(COURSE_STAFF, path=f"/dashboard/similarity/courses/{COURSE}/"),
    "dashboard/similarity/items/<slug:slug>/": Rule(COURSE_STAFF),
    "dashboard/similarity/items/<slug:slug>/pairs/<int:a>/<int:b>/": Rule(
        COURSE_STAFF, path="/dashboard/similarity/items/{slug}/pairs/{submission}/{similar}/"
    ),
    "dashboard/similarity/items/<slug:slug>/pairs/<int:a>/<int:b>/mark": Rule(
        COURSE_STAFF,
        method="post",
        data={"verdict": "fine", "note": "matrix"},
        path="/dashboard/similarity/items/{slug}/pairs/{submission}/{similar}/mark",
    ),
    "exam/assessments/<int:pk>/code/": Rule(COURSE_MEMBERS, path="/exam/assessments/{assessment}/code/"),
    "exam/assessments/<int:pk>/config.seb": Rule(
        COURSE_MEMBERS, path="/exam/assessments/{assessment}/config.seb", why="the .seb file that starts SEB"
    ),
    "exam/items/<slug:slug>/final": Rule(COURSE_MEMBERS, method="post", why="no exam deadline here: a 409"),
    "dashboard/assessments/<int:pk>/exam/": Rule(
        COURSE_STAFF, method="post", path="/dashboard/assessments/{assessment}/exam/"
    ),
    "dashboard/assessments/<int:pk>/exam/log/": Rule(
        COURSE_STAFF, path="/dashboard/assessments/{assessment}/exam/log/"
    ),
    "dashboard/assessments/<int:pk>/exam/log/<int:user_id>/": Rule(
        COURSE_STAFF, path="/dashboard/assessments/{assessment}/exam/log/{student_id}/"
    ),
    "authoring/": Rule(AUTHORING_ANY),
    "authoring/import/": Rule(AUTHORING_ANY, method="post", why="without a zip: the form again, with its error"),
    "authoring/courses/<slug:slug>/": Rule(AUTHORING_COURSE, path=f"/authoring/courses/{COURSE}/"),
    "authoring/courses/<slug:slug>/export.zip": Rule(AUTHORING_COURSE, path=f"/authoring/courses/{COURSE}/export.zip"),
    "authoring/courses/<slug:slug>/items/new/": Rule(AUTHORING_COURSE, path=f"/authoring/courses/{COURSE}/items/new/"),
    "authoring/items/<slug:slug>/edit/": Rule(AUTHORING_COURSE, method="post"),
    "authoring/drafts/<int:pk>/": Rule(AUTHORING_COURSE, path="/authoring/drafts/{draft}/"),
    "authoring/drafts/<int:pk>/discard/": Rule(
        AUTHORING_COURSE, method="post", path="/authoring/drafts/{draft_to_discard}/discard/"
    ),
    "authoring/drafts/<int:pk>/validate/": Rule(
        AUTHORING_COURSE, method="post", path="/authoring/drafts/{draft}/validate/"
    ),
    "authoring/drafts/<int:pk>/validation/": Rule(AUTHORING_COURSE, path="/authoring/drafts/{draft}/validation/"),
    "authoring/drafts/<int:pk>/preview/": Rule(AUTHORING_COURSE, path="/authoring/drafts/{draft}/preview/"),
    "authoring/drafts/<int:pk>/publish/": Rule(
        AUTHORING_COURSE, method="post", path="/authoring/drafts/{draft}/publish/", why="unvalidated: refused, said why"
    ),
    "authoring/drafts/<int:pk>/published/": Rule(AUTHORING_COURSE, path="/authoring/drafts/{draft}/published/"),
    "lti/login/": Rule(PUBLIC, why="LTI login initiation; without iss and login_hint: a 400 page saying so"),
    "lti/launch/": Rule(PUBLIC, method="post", why="the LMS's id_token POST; an empty one: a 400 refusal page"),
    "lti/jwks/": Rule(PUBLIC, why="the tool's public keys"),
    "lti/deep-link/": Rule(
        SIGNED_IN, why="without an instructor's deep linking launch in the session: a 400 page saying so"
    ),
    "lti/admin/": Rule(matrix(LOGIN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, OK), why="platform registration: admins"),
    "lti/courses/<slug:slug>/": Rule(COURSE_STAFF, path=f"/lti/courses/{COURSE}/"),
    "lti/courses/<slug:slug>/roster-sync": Rule(COURSE_STAFF, method="post", path=f"/lti/courses/{COURSE}/roster-sync"),
    "lti/grades/<int:pk>/resend": Rule(COURSE_STAFF, method="post", path="/lti/grades/{grade_sync}/resend"),
    "admin/login/": Rule(PUBLIC),
    "admin/logout/": Rule(
        matrix(OK, OK, OK, OK, OK, LOGIN), method="post", why="logs out; only staff get the login page after"
    ),
    "admin/autocomplete/": Rule(
        matrix(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, FORBIDDEN), why="staff only; without its parameters a 403"
    ),
    "admin/r/<path:content_type_id>/<path:object_id>/": Rule(
        STAFF_ONLY_HIDDEN, why="view on site: staff only, and there is no object 1 of content type 1"
    ),
    "admin/(?P<url>.*)$": Rule(STAFF_ONLY_HIDDEN, path="/admin/no-such-page/"),
}
# Every other page of the Django admin is wrapped in admin_view (is_staff): one rule for them,
# matched by its prefix, so a new model in the admin needs no entry but a new app's URLs do.
ADMIN_SITE = Rule(STAFF_ONLY, why="Django's admin_view: staff only")


def all_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


# The admin's per-app index lists every app with models in the admin, so its pattern changes
# whenever an app is added: matched by its prefix.
ADMIN_APP_INDEX = Rule(STAFF_ONLY, path="/admin/exercises/")


def rule_for(route: str) -> Rule | None:
    if route in POLICY:
        return POLICY[route]
    if route.startswith("admin/^(?P<app_label>"):
        return ADMIN_APP_INDEX
    if route.startswith("admin/"):
        return ADMIN_SITE
    return None


def test_every_url_has_a_policy_entry():
    missing = [route for route in all_routes() if rule_for(route) is None]
    assert not missing, f"classify these URLs in tests/test_authz.py POLICY: {missing}"
    stale = [route for route in POLICY if route not in all_routes()]
    assert not stale, f"POLICY names URLs that no longer exist: {stale}"


@pytest.fixture
def world(users, course, settings, tmp_path):
    """The personas, another course with its own teacher, and a submission of the student."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"  # as in demo mode
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    from accounts.models import User
    from exercises.models import Assessment, Course, Enrollment, Item, Submission

    other_course = Course.objects.create(slug="other-course", title_sv="Annan kurs")
    Assessment.objects.create(course=other_course, slug="a", title_sv="A")
    other_teacher = User.objects.create_user("teacher2", password="teacher2", role=User.Role.TEACHER)
    Enrollment.objects.create(course=other_course, user=other_teacher, role=Enrollment.Role.TEACHER)
    item = Item.objects.get(slug="count-parameters")
    submission = Submission.objects.create(
        user=users["student"],
        item=item,
        item_version=item.current_version,
        text="def dense_params(a, b):\n    return 0\n",
        max_score=item.current_version.points,
    )
    personas = {
        "anonymous": None,
        "student": users["student"],
        "other_student": users["student2"],
        "teacher": users["teacher"],
        "other_teacher": other_teacher,
        "admin": users["admin"],
    }
    from authoring.services import draft_for_item
    from exercises.models import Extension, RegradeBatch

    extension = Extension.objects.create(assessment=item.assessment, user=users["student2"], extra_attempts=1)
    regrade = RegradeBatch.objects.create(created_by=users["teacher"], description="matrix")
    regrade.submissions.add(submission)
    draft = draft_for_item(user=users["teacher"], item=item)
    to_discard = draft_for_item(user=users["teacher"], item=Item.objects.get(slug="build-network"))
    from onboarding.services import roster_preview_create

    leaver = User.objects.create_user("leaver", password="leaver")
    leaver_enrollment = Enrollment.objects.create(course=course, user=leaver)
    invitee = User.objects.create_user("invitee", email="invitee@example.se")
    Enrollment.objects.create(course=course, user=invitee)
    roster_import = roster_preview_create(
        course=course, by=users["teacher"], text="namn;e-post\nÅsa Öberg;asa@example.se\n"
    )
    similar = Submission.objects.create(  # the other half of a pair for the similarity pages
        user=users["student2"], item=item, item_version=item.current_version, text=submission.text, max_score=1
    )
    from lti.models import GradeSync, Platform, ResourceLink

    lms = Platform.objects.create(
        issuer="https://lms.example",
        client_id="matrix",
        login_url="https://lms.example/auth",
        token_url="https://lms.example/token",
        jwks_url="https://lms.example/jwks",
        course=course,
    )
    link = ResourceLink.objects.create(platform=lms, resource_link_id="matrix", item=item)
    grade_sync = GradeSync.objects.create(link=link, user=users["student"], state=GradeSync.State.FAILED)
    return {
        "personas": personas,
        "grade_sync": grade_sync.pk,
        "leaver_enrollment": leaver_enrollment.pk,
        "invitee": invitee.pk,
        "roster_import": roster_import.pk,
        "submission": submission.pk,
        "slug": "count-parameters",
        "assessment": item.assessment_id,
        "extension": extension.pk,
        "regrade": regrade.pk,
        "draft": draft.pk,
        "draft_to_discard": to_discard.pk,
        "similar": similar.pk,
        "student_id": users["student"].pk,
    }


def outcome(response) -> str:
    status = response.status_code
    assert status < 500, (status, response.content[:500])
    assert status != 405, "the policy uses a method the view does not take"
    location = response.get("Location", "")
    if status == 401 or (status == 302 and "/login/" in location):
        return LOGIN
    if status == 403 and b"credentials were not provided" in response.content:
        return LOGIN
    if status == 404:
        return HIDDEN
    if status == 403:
        return FORBIDDEN
    return OK


def url_for(route: str, rule: Rule, world) -> str:
    if rule.path:
        return rule.path.format(**{k: v for k, v in world.items() if k != "personas"})
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLES[m.group(1)], route)
    return "/" + path.format(slug=world["slug"], submission=world["submission"])


@pytest.mark.integration  # the examples route queues a run on the broker (Redis)
@pytest.mark.parametrize("persona", PERSONAS)
def test_authorization_matrix(world, persona):
    user = world["personas"][persona]
    wrong = []
    for route in all_routes():
        rule = rule_for(route)
        assert rule is not None, route
        client = Client()
        if user is not None:
            client.force_login(user)
        url = url_for(route, rule, world)
        if rule.method == "post":
            if url.startswith("/api/"):
                response = client.post(url, rule.data, content_type="application/json")
            else:
                response = client.post(url, rule.data)
        else:
            response = client.get(url)
        got = outcome(response)
        if got != rule.expect[persona]:
            wrong.append(
                f"{rule.method.upper()} {url}: expected {rule.expect[persona]}, got {got} ({response.status_code})"
            )
    assert not wrong, "\n".join(wrong)


def test_a_student_cannot_reach_a_course_they_do_not_take(world):
    """Enrollment, not just a login, opens a course: the student of one course gets 404 for
    another course's pages and items, and cannot submit to it."""
    from exercises.models import Enrollment

    Enrollment.objects.filter(user=world["personas"]["other_student"]).delete()
    client = Client()
    client.force_login(world["personas"]["other_student"])
    assert client.get("/courses/kunskapskontroll-2/").status_code == 404
    assert client.get("/items/count-parameters/").status_code == 404
    assert client.post("/items/count-parameters/", {"text": "x"}).status_code == 404
    response = client.post("/api/v1/items/count-parameters/submissions", {"code": "x"}, content_type="application/json")
    assert response.status_code == 404
    assert "kunskapskontroll-2" not in client.get("/").content.decode()
