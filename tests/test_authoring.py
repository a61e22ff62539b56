"""Teacher authoring without the worker: who may use it, the editor's round trip through the
loader's format, publishing rules, and a course's export and import as the files of git."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client

from tests.conftest import CONTENT, item_dir

pytestmark = pytest.mark.django_db
N_ITEMS = len(list(CONTENT.glob("*/*/item.yaml")))


@pytest.fixture
def personas(users, course):
    """student, teacher (of the course), admin, and outsider: a teacher of another course only."""
    from accounts.models import User
    from exercises.models import Course, Enrollment

    other = Course.objects.create(slug="annan-kurs", title_sv="Annan kurs")
    outsider = User.objects.create_user("outsider", password="outsider", role=User.Role.TEACHER)
    Enrollment.objects.create(course=other, user=outsider, role=Enrollment.Role.TEACHER)
    return {**users, "outsider": outsider}


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        assert client.login(username=username, password=username)
    return client


def code_fields(slug: str = "count-parameters") -> dict:
    from exercises.content import read_item

    return read_item(item_dir(slug))["fields"]


@pytest.fixture
def draft(personas):
    from authoring.services import draft_create
    from exercises.models import Assessment

    return draft_create(
        user=personas["teacher"],
        assessment=Assessment.objects.get(slug="del-2-kod"),
        slug="count-parameters-copy",
        kind="code",
        order=9,
        fields=code_fields(),
    )


def urls(draft) -> list[tuple[str, str]]:
    return [
        ("get", "/authoring/"),
        ("get", "/authoring/courses/kunskapskontroll-2/"),
        ("get", "/authoring/courses/kunskapskontroll-2/export.zip"),
        ("get", "/authoring/courses/kunskapskontroll-2/items/new/"),
        ("post", "/authoring/items/q03/edit/"),
        ("get", f"/authoring/drafts/{draft.pk}/"),
        ("post", f"/authoring/drafts/{draft.pk}/validate/"),
        ("post", f"/authoring/drafts/{draft.pk}/discard/"),
        ("get", f"/authoring/drafts/{draft.pk}/validation/"),
        ("get", f"/authoring/drafts/{draft.pk}/preview/"),
        ("post", f"/authoring/drafts/{draft.pk}/preview/"),
        ("post", f"/authoring/drafts/{draft.pk}/publish/"),
        ("get", f"/authoring/drafts/{draft.pk}/published/"),
        ("post", "/authoring/import/"),
    ]


def test_anonymous_users_are_sent_to_login_from_every_authoring_url(draft):
    for method, url in urls(draft):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), (method, url)


@pytest.mark.parametrize("username", ["student", "student2"])
def test_students_are_refused_every_authoring_url(draft, username):
    client = client_for(username)
    for method, url in urls(draft):
        assert getattr(client, method)(url).status_code == 403, (method, url)


def test_a_teacher_of_another_course_sees_nothing_of_this_one(draft):
    from authoring.models import TrialAnswer, ValidationRun

    client = client_for("outsider")
    assert client.get("/authoring/").status_code == 200  # their own course list
    assert b"kunskapskontroll-2" not in client.get("/authoring/").content
    for method, url in urls(draft)[1:-1]:
        assert getattr(client, method)(url, {"text": "x"}).status_code == 404, (method, url)
    assert not ValidationRun.objects.exists() and not TrialAnswer.objects.exists()


@pytest.mark.parametrize("username", ["teacher", "admin"])
def test_course_teachers_and_admins_may_open_the_pages(draft, username):
    client = client_for(username)
    for url in [
        "/authoring/",
        "/authoring/courses/kunskapskontroll-2/",
        f"/authoring/drafts/{draft.pk}/",
        f"/authoring/drafts/{draft.pk}/validation/",
        f"/authoring/drafts/{draft.pk}/preview/",
        "/authoring/courses/kunskapskontroll-2/items/new/",
    ]:
        assert client.get(url).status_code == 200, url


def test_the_staff_link_is_shown_to_teachers_only(personas):
    assert b'data-testid="nav-authoring"' in client_for("teacher").get("/items/q01/").content
    assert b'data-testid="nav-authoring"' not in client_for("student").get("/items/q01/").content


def test_every_item_folder_round_trips_through_the_editor_format(course):
    """Files -> fields -> files -> fields keeps the content hash, and a stored version's fields
    hash to the hash the loader gave it: the browser and the loader make the same versions."""
    from exercises.content import content_hash, item_from_files, item_to_files, read_item, version_fields
    from exercises.models import Item

    folders = sorted(p.parent for p in CONTENT.glob("*/*/item.yaml"))
    assert len(folders) == N_ITEMS >= 15
    for folder in folders:
        data = read_item(folder)
        again = item_from_files(item_to_files(kind=data["kind"], order=data["order"], fields=data["fields"]))
        assert content_hash(again["fields"]) == content_hash(data["fields"]), folder
    for item in Item.objects.select_related("current_version"):
        assert content_hash(version_fields(item.current_version)) == item.current_version.content_hash, item.slug


def edit_form_data(client: Client, draft_url: str) -> dict:
    """The edit page's form as the browser would post it back, unchanged."""
    from authoring.forms import ConceptForm, ItemForm
    from authoring.models import ItemDraft

    draft = ItemDraft.objects.get(pk=int(draft_url.rstrip("/").split("/")[-1]))
    initial = ItemForm.initial_from(
        slug=draft.slug, kind=draft.kind, assessment=draft.assessment, order=draft.order, fields=draft.fields
    )
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    data["assessment"] = draft.assessment.pk
    rubric = [c for c in draft.fields.get("rubric", []) if "id" in c]
    data.update(
        {
            "concepts-TOTAL_FORMS": str(len(rubric) + 2),
            "concepts-INITIAL_FORMS": str(len(rubric)),
            "concepts-MIN_NUM_FORMS": "0",
            "concepts-MAX_NUM_FORMS": "1000",
        }
    )
    for i, concept in enumerate(rubric):
        for key, value in ConceptForm.initial_from(concept).items():
            data[f"concepts-{i}-{key}"] = value
    for i in range(len(rubric), len(rubric) + 2):  # the empty rows show the default weight
        data[f"concepts-{i}-weight"] = "1"
    # The requirement weights as the page shows them (one number field per requirement).
    import re

    page = client.get(draft_url).content.decode()
    for tag in re.findall(r"<input[^>]*name=\"weight__[^\"]*\"[^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        assert name
        data[name.group(1)] = value.group(1) if value else ""
    return data


def test_editing_a_theory_rubric_in_the_browser_keeps_it_exact_until_changed(personas):
    """q03 opened in the editor and saved unchanged has the same hash as its version; a changed
    concept phrase changes only that phrase."""
    from authoring.models import ItemDraft
    from exercises.models import Item

    client = client_for("teacher")
    response = client.post("/authoring/items/q03/edit/")
    assert response.status_code == 302
    draft_url = response["Location"]
    page = client.get(draft_url)
    assert page.status_code == 200 and b"hyperparameter-tuning" in page.content
    data = edit_form_data(client, draft_url)
    # Browsers send textarea lines ending in CRLF; the content keeps the files' LF.
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    assert client.post(draft_url, data).status_code == 302
    draft = ItemDraft.objects.get(slug="q03")
    assert draft.content_hash == Item.objects.get(slug="q03").current_version.content_hash
    assert draft.is_published_as_is

    n = int(data["concepts-INITIAL_FORMS"])
    edited = data["concepts-0-id"]
    data["concepts-0-phrases_sv"] += "\nhyperparametersökning"
    data[f"concepts-{n}-id"] = "new-concept"  # an extra row becomes a new concept
    data[f"concepts-{n}-weight"] = "1.5"
    data[f"concepts-{n}-label_sv"] = "Ett nytt begrepp"
    data[f"concepts-{n}-phrases_sv"] = "nytt\nbegrepp"
    assert client.post(draft_url, data).status_code == 302
    draft.refresh_from_db()
    rubric = draft.fields["rubric"]
    by_id = {c.get("id"): c for c in rubric}
    assert by_id[edited]["phrases"]["sv"][-1] == "hyperparametersökning"
    assert rubric[-1] == {
        "id": "new-concept",
        "weight": 1.5,
        "label": {"sv": "Ett nytt begrepp", "en": ""},
        "phrases": {"sv": ["nytt", "begrepp"], "en": []},
    }
    assert not draft.is_published_as_is


def test_a_coding_exercise_needs_a_solution_and_checks(personas):
    from authoring.models import ItemDraft

    client = client_for("teacher")
    data = {
        "slug": "ny-uppgift",
        "kind": "code",
        "assessment": "",
        "order": 1,
        "points": "2",
        "title_sv": "Ny",
        "prompt_sv": "Gör något.",
        "queue": "grading",
        "concepts-TOTAL_FORMS": "0",
        "concepts-INITIAL_FORMS": "0",
    }
    from exercises.models import Assessment

    data["assessment"] = Assessment.objects.get(slug="del-2-kod").pk
    response = client.post("/authoring/courses/kunskapskontroll-2/items/new/", data)
    assert response.status_code == 200
    assert "En kodövning behöver detta." in response.content.decode()
    assert not ItemDraft.objects.exists()


def test_a_new_item_cannot_take_an_existing_slug(personas):
    from django.core.exceptions import ValidationError

    from authoring.services import draft_create
    from exercises.models import Assessment

    with pytest.raises(ValidationError, match="Det finns redan en uppgift med namnet q01"):
        draft_create(
            user=personas["teacher"],
            assessment=Assessment.objects.get(slug="del-2-kod"),
            slug="q01",
            kind="code",
            order=1,
            fields=code_fields(),
        )


def test_a_draft_cannot_be_published_without_a_passed_validation_of_its_current_content(draft, personas):
    from django.core.exceptions import ValidationError

    from authoring.models import ValidationRun
    from authoring.services import draft_publish
    from exercises.models import Item

    client = client_for("teacher")
    response = client.post(f"/authoring/drafts/{draft.pk}/publish/", follow=True)
    assert "inte klarat valideringen" in response.content.decode()
    assert not Item.objects.filter(slug=draft.slug).exists()
    # A pass of an earlier content does not count for the content as it is now.
    ValidationRun.objects.create(draft=draft, content_hash="0" * 64, fields={}, status=ValidationRun.Status.PASSED)
    with pytest.raises(ValidationError):
        draft_publish(user=personas["teacher"], draft=draft)
    ValidationRun.objects.create(
        draft=draft, content_hash=draft.content_hash, fields=draft.fields, status=ValidationRun.Status.FAILED
    )
    with pytest.raises(ValidationError):
        draft_publish(user=personas["teacher"], draft=draft)
    assert not Item.objects.filter(slug=draft.slug).exists()


def test_teacher_text_is_escaped_and_hidden_checks_are_labelled_as_trusted_code(draft, personas):
    from authoring.services import draft_update

    fields = dict(draft.fields, title_sv="<script>alert(1)</script>", prompt_sv="<img src=x onerror=alert(1)> text")
    draft_update(user=personas["teacher"], draft=draft, assessment=draft.assessment, order=1, fields=fields)
    client = client_for("teacher")
    for url in [
        "/authoring/courses/kunskapskontroll-2/",
        f"/authoring/drafts/{draft.pk}/",
        f"/authoring/drafts/{draft.pk}/preview/",
        f"/authoring/drafts/{draft.pk}/validation/",
    ]:
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html and "<img src=x onerror" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    html = client.get(f"/authoring/drafts/{draft.pk}/").content.decode()
    assert 'data-testid="checks-warning"' in html and "betrodd kod" in html


def export_zip(client: Client) -> bytes:
    response = client.get("/authoring/courses/kunskapskontroll-2/export.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    return response.content


def import_zip(client: Client, data: bytes, name: str = "course.zip"):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post("/authoring/import/", {"archive": upload}, follow=True)


def test_export_writes_the_files_load_content_reads(personas):
    with zipfile.ZipFile(io.BytesIO(export_zip(client_for("teacher")))) as archive:
        names = set(archive.namelist())
        assert "kunskapskontroll-2/course.yaml" in names
        for slug in ["count-parameters", "build-network", "add-dropout"]:
            folder = item_dir(slug)
            for name in ["checks.py", "solution.py", "starter.py", "prompt.sv.md", "prompt.en.md"]:
                exported = archive.read(f"kunskapskontroll-2/{folder.parent.name}/{slug}/{name}").decode()
                assert exported == (folder / name).read_text(), (slug, name)
        assert "kunskapskontroll-2/del-1-teori/q03/item.yaml" in names


def test_export_then_import_round_trips_without_new_versions(personas, tmp_path):
    """An exported course loads as it was (loader and import alike); a change in git makes one new
    version on import, and old submissions keep the version they were graded against."""
    from exercises.content import load_course
    from exercises.models import Item, ItemVersion, Submission

    client = client_for("teacher")
    data = export_zip(client)
    versions = ItemVersion.objects.count()
    response = import_zip(client, data)
    assert f"0 nya uppgifter, 0 nya versioner, {N_ITEMS} oförändrade" in response.content.decode()
    assert ItemVersion.objects.count() == versions
    # The same files unpacked are a folder that manage.py load_content reads unchanged.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    report = load_course(tmp_path / "kunskapskontroll-2")
    assert report.versions_created == [] and len(report.unchanged) == N_ITEMS

    item = Item.objects.get(slug="count-parameters")
    old = item.current_version
    submission = Submission.objects.create(
        user=personas["student"], item=item, item_version=old, text="x", max_score=old.points, status="graded", score=0
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for name in src.namelist():
            text = src.read(name)
            if name.endswith("count-parameters/prompt.sv.md"):
                text += b"\nEn ny mening.\n"
            dst.writestr(name, text)
    response = import_zip(client, buffer.getvalue())
    assert f"0 nya uppgifter, 1 nya versioner, {N_ITEMS - 1} oförändrade" in response.content.decode()
    item.refresh_from_db()
    submission.refresh_from_db()
    assert item.current_version.number == old.number + 1
    assert item.current_version.prompt_sv.endswith("En ny mening.\n")
    assert submission.item_version_id == old.pk


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_import_refuses_bad_archives_and_says_why(personas):
    from exercises.models import Course

    client = client_for("teacher")
    assert "inte en zip-fil" in import_zip(client, b"not a zip").content.decode()
    evil = zip_of({"k/course.yaml": "slug: kunskapskontroll-2\ntitle: {sv: X}\n", "../../etc/evil.py": "x"})
    assert "Otillåten sökväg" in import_zip(client, evil).content.decode()
    assert "exakt en kurs" in import_zip(client, zip_of({"a.txt": "x"})).content.decode()
    new_course = zip_of({"ny/course.yaml": "slug: ny-kurs\ntitle: {sv: Ny kurs}\n"})
    assert "Bara en administratör" in import_zip(client, new_course).content.decode()
    assert not Course.objects.filter(slug="ny-kurs").exists()
    # An import must not pull another course's item into a course the importer teaches.
    stolen = zip_of(
        {
            "ny/course.yaml": "slug: ny-kurs\ntitle: {sv: Ny kurs}\n",
            "ny/del/assessment.yaml": "title: {sv: Del}\n",
            "ny/del/q01/item.yaml": "type: theory\ntitle: {sv: Q}\nrubric: [{id: a, label: {sv: a}, phrases: {sv: [a]}}]\n",
            "ny/del/q01/prompt.sv.md": "Fråga",
        }
    )
    admin = client_for("admin")
    assert "hör till en annan kurs" in import_zip(admin, stolen).content.decode()
    assert import_zip(admin, new_course).status_code == 200
    assert Course.objects.filter(slug="ny-kurs").exists()


def test_a_teacher_of_another_course_cannot_import_into_this_one(personas):
    from exercises.models import ItemVersion

    data = export_zip(client_for("teacher"))
    versions = ItemVersion.objects.count()
    response = import_zip(client_for("outsider"), data)
    assert "Du undervisar inte på den här kursen." in response.content.decode()
    assert ItemVersion.objects.count() == versions


def test_the_authoring_pages_speak_english_too(draft):
    client = client_for("teacher")
    client.cookies["django_language"] = "en"
    assert "Author items" in client.get("/authoring/").content.decode()
    html = client.get(f"/authoring/drafts/{draft.pk}/").content.decode()
    assert "Hidden checks are trusted code" in html and "Save and validate" in html
    assert (
        "The draft has not been validated yet."
        in client.get(f"/authoring/drafts/{draft.pk}/validation/").content.decode()
    )


def test_rubric_keys_beyond_the_form_survive_an_edit_in_the_browser(personas):
    """Topic rows and scorer settings (core, contradictions, negation ...) are kept and editable as
    YAML: saving the editor unchanged keeps the content hash."""
    from authoring.models import ItemDraft
    from authoring.services import draft_create
    from exercises.content import content_hash, read_item
    from exercises.models import Assessment

    fields = read_item(item_dir("q03"))["fields"]
    rubric = [{"role": "topic", "phrases": {"sv": ["parameter"], "en": ["parameter"]}}] + [
        dict(c) for c in fields["rubric"]
    ]
    concept = next(c for c in rubric if "id" in c)
    concept.update(core=True, contradictions={"sv": ["aldrig"], "en": ["never"]}, not_with={"sv": ["x"]})
    draft = draft_create(
        user=personas["teacher"],
        assessment=Assessment.objects.get(slug="del-1-teori"),
        slug="q03-topics",
        kind="theory",
        order=30,
        fields={**fields, "rubric": rubric},
    )
    before = draft.content_hash
    client = client_for("teacher")
    url = f"/authoring/drafts/{draft.pk}/"
    html = client.get(url).content.decode()
    assert "role: topic" in html and "core: true" in html
    data = edit_form_data(client, url)
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.content_hash == before == content_hash(draft.fields)
    assert draft.fields["rubric"][0]["role"] == "topic"
    assert draft.fields["rubric"][rubric.index(concept)] == concept

    data["concepts-0-extra"] = "weight: 5\n"
    response = client.post(url, data)
    assert "Fälten weight redigeras ovan, inte här." in response.content.decode()
    assert ItemDraft.objects.get(pk=draft.pk).content_hash == before


def test_discarding_returns_a_draft_to_the_published_version_or_deletes_a_new_one(draft, personas):
    from authoring.models import ItemDraft
    from exercises.models import Item

    client = client_for("teacher")
    url = client.post("/authoring/items/q03/edit/")["Location"]
    q03 = ItemDraft.objects.get(slug="q03")
    data = edit_form_data(client, url)
    data["title_sv"] = "Ändrad titel"
    client.post(url, data)
    q03.refresh_from_db()
    assert not q03.is_published_as_is
    assert client.post(f"/authoring/drafts/{q03.pk}/discard/").status_code == 302
    q03.refresh_from_db()
    assert q03.is_published_as_is and q03.fields["title_sv"] == Item.objects.get(slug="q03").current_version.title_sv

    response = client.post(f"/authoring/drafts/{draft.pk}/discard/")
    assert response.status_code == 302 and response["Location"] == "/authoring/courses/kunskapskontroll-2/"
    assert not ItemDraft.objects.filter(pk=draft.pk).exists()
