"""The JSON API: token auth, who may submit and read what. Enqueueing is not exercised here
(the test transaction never commits); tests/test_pipeline.py runs the real pipeline."""

import pytest
from django.test import Client


def token(client: Client, username: str) -> str:
    response = client.post(
        "/api/v1/auth/token", {"username": username, "password": username}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


@pytest.fixture
def api(users):
    def make(username: str | None) -> Client:
        client = Client(enforce_csrf_checks=True)
        if username:
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {token(Client(), username)}"
        return client

    return make


def test_token_refused_for_a_wrong_password(users):
    response = Client().post(
        "/api/v1/auth/token", {"username": "student", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_anonymous_cannot_submit_or_read(api):
    client = api(None)
    assert (
        client.post("/api/v1/items/q01/submissions", {"answer": "x"}, content_type="application/json").status_code
        == 401
    )
    assert client.get("/api/v1/submissions/1").status_code == 401


def test_a_student_submits_and_reads_only_their_own(api, django_capture_on_commit_callbacks):
    student, other, teacher = api("student"), api("student2"), api("teacher")
    response = student.post(
        "/api/v1/items/q01/submissions", {"answer": "AI är det övergripande området."}, content_type="application/json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued" and isinstance(body["id"], int)
    mine = student.get(f"/api/v1/submissions/{body['id']}")
    assert mine.status_code == 200
    assert {"status", "score", "max_score", "checks", "output"} <= set(mine.json())
    assert other.get(f"/api/v1/submissions/{body['id']}").status_code == 404
    assert teacher.get(f"/api/v1/submissions/{body['id']}").status_code == 200


def test_code_item_takes_code_not_answer(api):
    client = api("student")
    response = client.post("/api/v1/items/build-network/submissions", {"answer": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert "code" in response.json()


def test_oversized_code_is_refused_with_a_reason(api):
    client = api("student")
    response = client.post(
        "/api/v1/items/build-network/submissions", {"code": "#" * 70_000}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "för stort" in str(response.json()) or "too large" in str(response.json())


def test_unknown_item_is_404(api):
    assert (
        api("student")
        .post("/api/v1/items/nope/submissions", {"code": "x"}, content_type="application/json")
        .status_code
        == 404
    )


def test_openapi_schema_lists_the_endpoints(users):
    client = Client()
    client.force_login(users["student"])
    schema = client.get("/api/v1/schema").content.decode()
    for path in ("/api/v1/auth/token", "/api/v1/items/{slug}/submissions", "/api/v1/submissions/{id}"):
        assert path in schema


def test_pages_refuse_anonymous_and_other_students(users, client):
    from exercises.models import Item
    from exercises.services import submission_create

    submission = submission_create(user=users["student"], item=Item.objects.get(slug="q02"), text="Keras är ett API")
    assert client.get("/").status_code == 302
    assert client.get(f"/submissions/{submission.pk}/").status_code == 302
    client.force_login(users["student2"])
    assert client.get(f"/submissions/{submission.pk}/").status_code == 404
    client.force_login(users["student"])
    page = client.get(f"/submissions/{submission.pk}/")
    assert page.status_code == 200 and "Keras är ett API" in page.content.decode()


def test_student_text_is_escaped(users, client):
    from exercises.models import Item
    from exercises.services import submission_create

    submission = submission_create(
        user=users["student"], item=Item.objects.get(slug="q02"), text="<script>alert(1)</script>"
    )
    client.force_login(users["student"])
    html = client.get(f"/submissions/{submission.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_draft_is_kept_and_needs_csrf(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["student"])
    assert client.post("/items/q03/draft", {"text": "utkast"}).status_code == 403
    page = client.get("/items/q03/")
    csrf = page.cookies["csrftoken"].value
    assert client.post("/items/q03/draft", {"text": "mitt utkast"}, HTTP_X_CSRFTOKEN=csrf).json()["saved"] is True
    assert "mitt utkast" in client.get("/items/q03/").content.decode()


def test_load_content_is_idempotent_and_versions_changes(course, tmp_path):
    import shutil

    from django.core.management import call_command

    from exercises.models import Item
    from tests.conftest import CONTENT

    call_command("load_content", verbosity=0)
    assert Item.objects.get(slug="q01").versions.count() == 1
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy / CONTENT.name)
    prompt = copy / CONTENT.name / "del-1-teori" / "q01" / "prompt.en.md"
    prompt.write_text(prompt.read_text() + "\nClarified.\n")
    call_command("load_content", path=str(copy), verbosity=0)
    item = Item.objects.get(slug="q01")
    assert item.versions.count() == 2 and item.current_version.number == 2
    assert item.current_version.prompt_en.endswith("Clarified.\n")
    assert Item.objects.get(slug="q02").versions.count() == 1


def test_demo_users_are_refused_in_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="only created in demo mode"):
        call_command("seed_demo")
