"""LTI 1.3 login and launch against the test platform (a real process on loopback): good launches
as learner, instructor and assistant; each bad launch gets a clear page and changes nothing."""

from __future__ import annotations

import io
import re
import time

import jwt
import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from tests.lti_platform.fixtures import (
    CLIENT_ID,
    CONTEXT,
    DEPLOYMENT_ID,
    form_fields,
    launch,
    new_key_pem,
    register,
    tool_login,
)

pytestmark = pytest.mark.django_db
TOOL = "http://testserver"


@pytest.fixture
def platform(course, lms):
    lms.reset(TOOL)
    lms.admin(
        "link",
        {"context_id": CONTEXT, "id": "link-build", "title": "Bygg nätet", "custom": {"quiz_item": "build-network"}},
    )
    lms.admin("link", {"context_id": CONTEXT, "id": "link-plain", "title": "Kursen"})
    return register(lms)


def counts() -> dict[str, int]:
    from accounts.models import User
    from exercises.models import Enrollment
    from lti.models import Identity, Membership, ResourceLink, UsedNonce

    return {m.__name__: m.objects.count() for m in (User, Enrollment, Identity, UsedNonce, ResourceLink, Membership)}


def test_a_learner_arrives_signed_in_enrolled_and_on_the_item(platform, lms):
    from exercises.models import Enrollment
    from lti.models import Identity

    client = Client()
    started = time.perf_counter()
    response = launch(client, lms, "lms-anna", link="link-build")
    assert response.status_code == 302 and response["Location"] == "/items/build-network/"
    page = client.get(response["Location"])
    elapsed = time.perf_counter() - started
    assert page.status_code == 200 and "def build_model" in page.content.decode()
    identity = Identity.objects.select_related("user").get(issuer=lms.issuer, sub="lms-anna")
    user = identity.user
    assert (user.first_name, user.last_name, user.email) == ("Anna", "Ek", "anna@uni.example")
    assert Enrollment.objects.get(user=user, course=platform.course).role == "student"
    assert not user.has_usable_password()
    print(f"\nlaunch -> item page: {elapsed * 1000:.0f} ms (login, LMS auth, id_token POST, item GET)")
    # A second launch finds the same user and changes the name the LMS now gives.
    lms.admin(
        "members",
        {
            "context_id": CONTEXT,
            "members": [{"user_id": "lms-anna", "given_name": "Anna", "family_name": "Ekström", "roles": ["Learner"]}],
        },
    )
    assert launch(Client(), lms, "lms-anna", link="link-build").status_code == 302
    user.refresh_from_db()
    assert user.last_name == "Ekström" and Identity.objects.filter(sub="lms-anna").count() == 1


@pytest.mark.parametrize("user_id", ["lms-tina", "lms-ta"])
def test_an_instructor_or_assistant_becomes_a_teacher_of_the_course(platform, lms, user_id):
    from exercises.models import Enrollment
    from lti.models import Identity

    client = Client()
    response = launch(client, lms, user_id, link="link-plain")
    assert response.status_code == 302 and response["Location"] == "/courses/kunskapskontroll-2/"
    user = Identity.objects.get(sub=user_id).user
    assert Enrollment.objects.get(user=user, course=platform.course).role == "teacher"
    assert client.get("/dashboard/courses/kunskapskontroll-2/").status_code == 200


def test_a_launch_page_may_be_framed_by_the_platform_only_and_other_pages_still_refuse(platform, lms):
    client = Client()
    launch(client, lms, "lms-anna", link="link-build")
    framed = client.get("/items/build-network/")
    csp = framed["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {lms.base}" in csp and "X-Frame-Options" not in framed
    assert "script-src 'self'" in csp  # the rest of the policy stays
    # ... with this response's style nonce for the code editor, not a template's placeholder
    # (a "style-src 'self'{style_nonce}" blocked every stylesheet in the frame).
    assert re.search(r"style-src 'self' 'nonce-[\w-]+';", csp) and "{" not in csp, csp
    normal = Client()
    normal.login(username="student", password="student")
    page = normal.get("/items/build-network/")
    assert page["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert Client().get("/login/")["X-Frame-Options"] == "DENY"
    # The Django admin stays unframeable even for an LTI session.
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


def test_jwks_publishes_the_public_key_only(platform):
    body = Client().get("/lti/jwks/").json()
    assert len(body["keys"]) == 1
    key = body["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["kid"] and "d" not in key and "p" not in key


# --- Bad launches: one test each, a clear page, nothing changed ---------------------------------


def forged(lms, login, *, key_pem=None, kid="platform-1", **changes):
    """An id_token like the platform's, for the nonce our login issued, with ``changes``."""
    now = int(time.time())
    claims = {
        "iss": lms.issuer,
        "aud": CLIENT_ID,
        "azp": CLIENT_ID,
        "sub": "lms-anna",
        "iat": now,
        "exp": now + 300,
        "nonce": login.nonce,
        "name": "Anna Ek",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT_ID,
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
        ],
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "link-build"},
        "https://purl.imsglobal.org/spec/lti/claim/context": {"id": CONTEXT},
    }
    for k, v in changes.items():
        k = k.replace("__", "/")
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    return jwt.encode(claims, key_pem or lms.key_pem, algorithm="RS256", headers={"kid": kid})


def start(client, lms):
    url = lms.admin(
        "launch",
        {"client_id": CLIENT_ID, "user_id": "lms-anna", "context_id": CONTEXT, "resource_link_id": "link-build"},
    )["url"]
    return tool_login(client, url)


def refused(response, code: str, status: int = 400) -> None:
    body = response.content.decode()
    assert response.status_code == status, body[:500]
    assert f'data-code="{code}"' in body and "Ingenting har ändrats" in body
    assert "_auth_user_id" not in response.wsgi_request.session


ROLE = "https://purl.imsglobal.org/spec/lti/claim/roles"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iss": "https://evil.example"}, "unknown_issuer"),
        ({"aud": "someone-else", "azp": None}, "unknown_client"),
        ({"aud": [CLIENT_ID, "other-tool"], "azp": None}, "wrong_audience"),
        ({"azp": "other-tool"}, "wrong_audience"),
        ({"aud": ["other-tool", CLIENT_ID], "azp": "other-tool"}, "wrong_audience"),
        ({"aud": ["other-tool", "third-tool"], "azp": "other-tool"}, "unknown_client"),
        ({"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "deploy-unknown"}, "unknown_deployment"),
        ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 400}, "expired"),
        ({ROLE: None}, "missing_role"),
        ({ROLE: []}, "missing_role"),
        ({ROLE: ["http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper"]}, "unknown_role"),
        ({"https://purl.imsglobal.org/spec/lti/claim/version": None}, "bad_message"),
    ],
    ids=[
        "wrong-issuer",
        "unknown-client",
        "aud-two-no-azp",
        "azp-other",
        "aud-list-azp-other",
        "aud-list-without-us",
        "unknown-deployment",
        "expired",
        "no-roles-claim",
        "empty-roles",
        "unknown-role",
        "no-version",
    ],
)
def test_a_bad_launch_gets_a_clear_page_and_changes_nothing(platform, lms, changes, code):
    client = Client()
    login = start(client, lms)
    before = counts()
    if "exp" in changes:  # expired: the exp is checked before anything else on the token
        changes = {"exp": int(time.time()) - 60, "iat": int(time.time()) - 400}
    token = forged(lms, login, **changes)
    status = 403 if code in ("missing_role", "unknown_role") else 400
    refused(client.post("/lti/launch/", {"id_token": token, "state": login.state}), code, status)
    assert counts() == before


def test_an_aud_list_with_our_client_not_first_and_azp_ours_is_accepted(platform, lms):
    """aud may be an array holding our client id anywhere (LTI 1.3 security framework 5.1.3,
    OIDC Core 3.1.3.7); then azp names us. pylti1p3 alone would take the first aud as the client."""
    client = Client()
    login = start(client, lms)
    token = forged(lms, login, aud=["lms-gradebook", CLIENT_ID], azp=CLIENT_ID)
    response = client.post("/lti/launch/", {"id_token": token, "state": login.state})
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.session["_auth_user_id"]
    from lti.models import Identity

    assert Identity.objects.filter(issuer=lms.issuer, sub="lms-anna").exists()


def test_a_token_signed_with_another_key_is_refused(platform, lms):
    client = Client()
    login = start(client, lms)
    before = counts()
    # Forged claims (an instructor!) signed by someone else's key under the platform's kid.
    token = forged(
        lms, login, key_pem=new_key_pem(), **{ROLE: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}
    )
    refused(client.post("/lti/launch/", {"id_token": token, "state": login.state}), "bad_signature")
    token = forged(lms, login, kid="no-such-kid")
    refused(client.post("/lti/launch/", {"id_token": token, "state": login.state}), "bad_signature")
    assert counts() == before


def test_a_replayed_launch_is_refused(platform, lms):
    client = Client()
    url = lms.admin(
        "launch",
        {"client_id": CLIENT_ID, "user_id": "lms-anna", "context_id": CONTEXT, "resource_link_id": "link-build"},
    )["url"]
    login = tool_login(client, url)
    fields = form_fields(requests.get(login.location, timeout=10).text)
    assert client.post("/lti/launch/", fields).status_code == 302
    before = counts()
    # The same id_token and state again, from another browser that stole the state cookie...
    other = Client()
    for name, morsel in client.cookies.items():
        if name.startswith("lti1p3"):
            other.cookies[name] = morsel.value
    refused(other.post("/lti/launch/", fields), "replayed")
    # ...and from the same browser: refused too, and it stays who it was.
    response = client.post("/lti/launch/", fields)
    assert response.status_code == 400 and 'data-code="replayed"' in response.content.decode()
    assert counts() == before


def test_a_launch_without_our_login_state_is_refused(platform, lms):
    client = Client()
    login = start(client, lms)
    token = forged(lms, login)
    before = counts()
    refused(Client().post("/lti/launch/", {"id_token": token, "state": login.state}), "bad_state")  # no state cookie
    refused(client.post("/lti/launch/", {"id_token": token, "state": "state-made-up"}), "bad_state")
    refused(
        client.post("/lti/launch/", {"id_token": forged(lms, login, nonce="not-ours"), "state": login.state}),
        "bad_state",
    )
    refused(client.post("/lti/launch/", {}), "bad_request")
    refused(client.post("/lti/launch/", {"id_token": "not.a.jwt", "state": login.state}), "bad_token")
    assert counts() == before


def test_login_initiation_refuses_unknown_issuer_client_and_deployment(platform, lms):
    client = Client()
    base = {"iss": lms.issuer, "login_hint": "x", "target_link_uri": f"{TOOL}/lti/launch/", "client_id": CLIENT_ID}
    assert client.get("/lti/login/", base).status_code == 302
    assert client.post("/lti/login/", base).status_code == 302  # POST works too
    for change, code in (
        ({"iss": "https://evil.example"}, "unknown_issuer"),
        ({"client_id": "nope"}, "unknown_client"),
        ({"lti_deployment_id": "nope"}, "unknown_deployment"),
        ({"login_hint": ""}, "bad_request"),
    ):
        response = client.get("/lti/login/", {**base, **change})
        assert response.status_code == 400 and f'data-code="{code}"' in response.content.decode()


def test_a_learner_with_forged_claims_cannot_reach_teacher_pages(platform, lms):
    """A learner whose (validly signed) launch asks for a teacher page lands on the student page,
    and stays a student: the dashboard, the LTI page and authoring stay closed."""
    from exercises.models import Enrollment

    client = Client()
    response = launch(
        client,
        lms,
        "lms-anna",
        link="link-build",
        target_link_uri=f"{TOOL}/dashboard/courses/kunskapskontroll-2/",
        override={
            "https://purl.imsglobal.org/spec/lti/claim/custom": {"quiz_item": "build-network", "role": "Instructor"}
        },
    )
    assert response["Location"] == "/items/build-network/"
    assert Enrollment.objects.get(user=response.wsgi_request.user).role == "student"
    assert client.get("/dashboard/courses/kunskapskontroll-2/").status_code == 404
    assert client.get("/lti/courses/kunskapskontroll-2/").status_code == 404
    assert client.get("/authoring/").status_code == 403
    # An instructor role written into the token by the learner breaks the signature.
    other = Client()
    login = start(other, lms)
    token = forged(
        lms, login, key_pem=new_key_pem(), **{ROLE: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}
    )
    refused(other.post("/lti/launch/", {"id_token": token, "state": login.state}), "bad_signature")


# --- Registration, keys ---------------------------------------------------------------------------


def test_lti_platform_add_registers_and_prints_the_urls_to_paste(course):
    from lti.models import Deployment, Platform

    out = io.StringIO()
    call_command(
        "lti_platform", "add", "--issuer", "https://canvas.example.edu", "--client-id", "10000000000001",
        "--deployment-id", "1:abc", "--login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "--token-url", "https://sso.canvaslms.com/login/oauth2/token", "--jwks-url", "https://sso.canvaslms.com/api/lti/security/jwks",
        "--course", "kunskapskontroll-2", "--base-url", "https://quiz.example.edu", stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "https://quiz.example.edu/lti/login/" in text and "https://quiz.example.edu/lti/jwks/" in text
    assert "https://quiz.example.edu/lti/launch/" in text
    platform = Platform.objects.get(issuer="https://canvas.example.edu")
    assert (
        platform.course.slug == "kunskapskontroll-2"
        and Deployment.objects.get(platform=platform).deployment_id == "1:abc"
    )
    with pytest.raises(Exception, match="no course"):
        call_command("lti_platform", "add", "--issuer", "https://x.example", "--client-id", "1", "--deployment-id", "1",
                     "--login-url", "https://x.example/a", "--token-url", "https://x.example/t", "--jwks-url", "https://x.example/j",
                     "--course", "nope", stdout=io.StringIO())  # fmt: skip


def test_the_admin_page_registers_a_platform_and_shows_the_tool_urls(users):
    from lti.models import Platform

    client = Client()
    client.force_login(users["admin"])
    page = client.get("/lti/admin/")
    assert page.status_code == 200 and "http://testserver/lti/jwks/" in page.content.decode()
    data = {
        "name": "Moodle",
        "issuer": "https://moodle.example.edu",
        "client_id": "abc123",
        "deployment_id": "7",
        "login_url": "https://moodle.example.edu/mod/lti/auth.php",
        "token_url": "https://moodle.example.edu/mod/lti/token.php",
        "jwks_url": "https://moodle.example.edu/mod/lti/certs.php",
        "course": "kunskapskontroll-2",
    }
    assert client.post("/lti/admin/", {**data, "issuer": "not a url"}).status_code == 400
    assert not Platform.objects.exists()
    assert client.post("/lti/admin/", data).status_code == 302
    assert Platform.objects.get().client_id == "abc123"
    assert "abc123" in client.get("/lti/admin/").content.decode()
    teacher = Client()
    teacher.force_login(users["teacher"])
    assert teacher.get("/lti/admin/").status_code == 404


def test_rotated_keys_old_key_stays_published_until_the_new_one_is_used(course):
    from lti import keys

    client = Client()
    first = client.get("/lti/jwks/").json()["keys"]
    call_command("lti_rotate_keys", stdout=io.StringIO())
    both = client.get("/lti/jwks/").json()["keys"]
    assert len(both) == 2 and first[0]["kid"] in [k["kid"] for k in both]
    new = keys.key_current()
    assert new.kid != first[0]["kid"]
    keys.key_mark_used(kid=new.kid)  # a platform accepted a token signed with it
    assert [k["kid"] for k in client.get("/lti/jwks/").json()["keys"]] == [new.kid]


def test_framed_mode_cookies_are_partitioned_third_party_cookies(platform, lms, settings):
    """QUIZ_LTI_FRAMED (on in production): inside the LMS's iframe the session, CSRF and login
    state cookies are SameSite=None; Secure; Partitioned, the only third-party cookies browsers
    still keep (tests/test_lti_browser.py shows Chromium keeping them)."""
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    client = Client()
    url = lms.admin(
        "launch",
        {"client_id": CLIENT_ID, "user_id": "lms-anna", "context_id": CONTEXT, "resource_link_id": "link-build"},
    )["url"]
    parts = url.split("?", 1)
    login = client.get("/lti/login/?" + parts[1])
    state = next(m for name, m in login.cookies.items() if name.startswith("lti1p3-state"))
    assert "Partitioned" in state.OutputString() and "SameSite=None" in state.OutputString() and state["secure"]
    fields = form_fields(requests.get(login["Location"], timeout=10).text)
    response = client.post("/lti/launch/", fields)
    session = response.cookies[django_settings.SESSION_COOKIE_NAME].OutputString()
    assert "Partitioned" in session and "SameSite=None" in session and "Secure" in session
    # Without framed mode (development over http) nothing is partitioned.
    settings.SESSION_COOKIE_SAMESITE = "Lax"
    settings.SESSION_COOKIE_SECURE = False
    plain = Client().get("/lti/login/?" + parts[1])
    assert all("Partitioned" not in m.OutputString() for m in plain.cookies.values())
