"""A teacher weighs an item's requirements on the authoring edit page: the weights are saved as
item.yaml's ``weights`` in the draft, checked (numbers >= 0, at least one above 0), validated
on the worker (the reference still earns full marks, the starter 0), published as a new
version, and then students' answers are graded by them.

Weights are shares of the item's points (``grader.requirements.score``): a requirement earns
points x weight / sum of weights, so the weights need not add up to the item's points."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.test import Client

from tests.conftest import item_dir, wait_for_grade

SLUG = "count-parameters"
# dense_params is right, network_params forgets the output layer: only "dense-params" holds.
PARTIAL = (
    "def dense_params(n_inputs, n_units):\n    return n_inputs * n_units + n_units\n\n"
    "def network_params(n_cols):\n    return dense_params(n_cols, 100) + dense_params(100, 50)\n"
)


def login(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=username)
    return client


def open_draft(client: Client, slug: str = SLUG):
    from authoring.models import ItemDraft

    response = client.post(f"/authoring/items/{slug}/edit/")
    assert response.status_code == 302
    return ItemDraft.objects.get(slug=slug)


def form_data(draft, **weights) -> dict[str, str]:
    """The edit form as the browser posts it, unchanged but for the given weights."""
    from authoring.forms import ItemForm, weight_field_name

    initial = ItemForm.initial_from(
        slug=draft.slug, kind=draft.kind, assessment=draft.assessment.pk, order=draft.order, fields=draft.fields
    )
    data = {key: "" if value is None else str(value) for key, value in initial.items()}
    config = draft.fields["config"]
    for requirement in config.get("requirements", []):
        if not requirement.get("precondition"):
            rid = requirement["id"]
            value = weights.get(rid.replace("-", "_"), config.get("weights", {}).get(rid, requirement["points"]))
            data[weight_field_name(rid)] = str(value)
    return {**data, "concepts-TOTAL_FORMS": "0", "concepts-INITIAL_FORMS": "0", "save": ""}


def shares(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="share-([\w-]+)">([^<]*)<', page))


@pytest.mark.django_db
def test_a_teacher_sets_weights_and_sees_the_points_they_give(course, users):
    from exercises.content import item_to_files

    teacher = login("teacher")
    draft = open_draft(teacher)
    page = teacher.get(draft.get_absolute_url()).content.decode()
    # Each requirement with points has a number field holding its weight (the table's points).
    assert re.search(r'<input type="number" name="weight__dense-params" value="2"', page)
    assert shares(page) == {"dense-params": "2", "network-params": "2"}
    assert 'data-testid="weight-total" data-weight-total>4<' in page

    # Saving without a change keeps the item's files: no weights are written, the hash is the same.
    response = teacher.post(draft.get_absolute_url(), form_data(draft))
    assert response.status_code == 302, response.content.decode()[-2000:]
    draft.refresh_from_db()
    assert "weights" not in draft.fields["config"] and draft.is_published_as_is

    response = teacher.post(draft.get_absolute_url(), form_data(draft, dense_params=3, network_params=1))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.fields["config"]["weights"] == {"dense-params": 3, "network-params": 1}
    assert not draft.is_published_as_is
    files = item_to_files(kind=draft.kind, order=draft.order, fields=draft.fields)
    assert "weights:\n  dense-params: 3\n  network-params: 1\n" in files["item.yaml"]
    page = teacher.get(draft.get_absolute_url()).content.decode()
    assert shares(page) == {"dense-params": "3", "network-params": "1"}
    assert 'data-testid="weights-rescaled" data-weights-rescaled hidden' in page  # 3 + 1 = the item's 4 points

    # Weights that do not add up to the item's points are shares: 3 : 3 of 4 points is 2 and 2.
    teacher.post(draft.get_absolute_url(), form_data(draft, dense_params=3, network_params=3))
    draft.refresh_from_db()
    page = teacher.get(draft.get_absolute_url()).content.decode()
    assert shares(page) == {"dense-params": "2", "network-params": "2"}
    assert 'data-testid="weights-rescaled" data-weights-rescaled>' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"dense_params": -1}, "Kontrollera att detta värde är större än eller lika med 0"),
        ({"dense_params": "två"}, "Fyll i ett tal."),
        ({"dense_params": 0, "network_params": 0}, "Minst ett krav måste ge poäng"),
        ({"dense_params": "1.005"}, "Säkerställ att det inte är mer än 2 decimaler."),
    ],
)
def test_bad_weights_are_refused_with_a_message_and_change_nothing(course, users, weights, message):
    teacher = login("teacher")
    draft = open_draft(teacher)
    before = draft.content_hash
    response = teacher.post(draft.get_absolute_url(), form_data(draft, **weights))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'data-testid="weight-error"' in page and message in page, page[page.find("weight-error") - 500 :][:1500]
    draft.refresh_from_db()
    assert draft.content_hash == before


@pytest.mark.django_db
def test_only_the_course_teachers_may_change_weights_and_preconditions_carry_none(course, users):
    from accounts.models import User
    from exercises.models import Course, Enrollment

    other = Course.objects.create(slug="annan-kurs", title_sv="Annan kurs")
    outsider = User.objects.create_user("outsider", password="outsider", role=User.Role.TEACHER)
    Enrollment.objects.create(course=other, user=outsider, role=Enrollment.Role.TEACHER)
    teacher = login("teacher")
    draft = open_draft(teacher, "build-network")
    data = form_data(draft, not_trained=5)
    assert login("student").post(draft.get_absolute_url(), data).status_code == 403
    assert login("outsider").post(draft.get_absolute_url(), data).status_code == 404
    draft.refresh_from_db()
    assert "weights" not in draft.fields["config"]
    # A precondition has no weight field; a posted weight for it is ignored, not stored.
    page = teacher.get(draft.get_absolute_url()).content.decode()
    assert 'name="weight__returns-model"' not in page and 'name="weight__dense-100"' in page
    assert teacher.post(draft.get_absolute_url(), {**data, "weight__returns-model": "4"}).status_code == 302
    draft.refresh_from_db()
    assert draft.fields["config"]["weights"] == {"not-trained": 5}
    # Without CSRF token the save is refused.
    strict = Client(enforce_csrf_checks=True)
    strict.login(username="teacher", password="teacher")
    assert strict.post(draft.get_absolute_url(), form_data(draft, not_trained=1)).status_code == 403


@pytest.mark.django_db
def test_requirement_text_is_escaped_on_the_weight_table(course, users):
    from authoring.services import draft_create
    from exercises.content import read_item
    from exercises.models import Assessment

    fields = read_item(item_dir(SLUG))["fields"]
    fields["config"]["requirements"][0]["text"]["sv"] = "<script>alert(1)</script> dense"
    draft = draft_create(
        user=users["teacher"],
        assessment=Assessment.objects.get(slug="del-2-kod"),
        slug="count-parameters-escaped",
        kind="code",
        order=30,
        fields=fields,
    )
    page = login("teacher").get(draft.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; dense" in page and "<script>alert(1)" not in page


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_published_weights_grade_answers_the_reference_still_earns_full_marks(course, users, student_api):
    """Save weights 3 : 1 -> validate on the worker -> publish a new version -> a partial answer
    earns 3 of 4 where it earned 2 of 4 before; the reference still earns 4."""
    from authoring.models import ValidationRun
    from exercises.models import Item

    def submit(code: str):
        response = student_api.post(
            f"/api/v1/items/{SLUG}/submissions", {"code": code}, content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return wait_for_grade(response.json()["id"])

    item = Item.objects.get(slug=SLUG)
    v1 = item.current_version
    before = submit(PARTIAL)
    assert before.score == 2.0 and before.item_version_id == v1.pk

    teacher = login("teacher")
    draft = open_draft(teacher)
    data = {**form_data(draft, dense_params=3, network_params=1), "validate": ""}
    data.pop("save")
    response = teacher.post(draft.get_absolute_url(), data)
    assert response.status_code == 302 and response["Location"].endswith("/validation/")
    run = ValidationRun.objects.filter(draft=draft).latest("created_at")
    deadline = time.monotonic() + 120
    while ValidationRun.objects.get(pk=run.pk).is_pending and time.monotonic() < deadline:
        time.sleep(0.2)
    run.refresh_from_db()
    # The authoring validation still runs on the new content: reference full marks, starter 0.
    assert run.status == "passed", run.problems
    assert run.solution_result["score"] == 4.0 and run.starter_result["score"] == 0.0
    assert teacher.post(f"/authoring/drafts/{draft.pk}/publish/").status_code == 302

    item.refresh_from_db()
    assert item.current_version.number == v1.number + 1
    assert item.current_version.config["weights"] == {"dense-params": 3, "network-params": 1}
    after = submit(PARTIAL)
    assert after.item_version_id == item.current_version.pk and after.score == 3.0
    reference = submit((item_dir(SLUG) / "solution.py").read_text())
    assert reference.score == reference.max_score == 4.0
    before.refresh_from_db()
    assert before.score == 2.0 and before.item_version_id == v1.pk  # graded against v1, untouched


@pytest.mark.django_db
def test_the_weight_table_speaks_english_too(course, users):
    teacher = login("teacher")
    draft = open_draft(teacher, "build-network")
    teacher.cookies["django_language"] = "en"
    page = html.unescape(teacher.get(draft.get_absolute_url()).content.decode())
    assert "Give each requirement a weight." in page and "0 points; a condition for the rest" in page
    assert "counts when one of these holds: dense-100, dropout, dense-50, output" in page
    assert "The weights are saved as weights in item.yaml" in page and ">Total<" in page
    response = teacher.post(draft.get_absolute_url(), form_data(draft, loss=-1))
    page = html.unescape(response.content.decode())
    assert "The draft is not saved: correct what is marked below." in page
