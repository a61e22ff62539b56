"""Numeric and multiple-choice items in the authoring app: written in the editor, validated (the
answer must evaluate for every variant; a choice item's right option must be one of its options),
previewed with a chosen variant, published, and exported/imported as the files of git.

Validation and trial answers of these kinds need no sandbox, so these tests run the services the
worker runs directly; tests/test_authoring_validation.py does it on the real worker."""

from __future__ import annotations

import io
import zipfile

import pytest

from tests.conftest import item_dir
from tests.test_authoring import client_for, edit_form_data, export_zip, import_zip, personas  # noqa: F401

pytestmark = pytest.mark.django_db
NEW = "/authoring/courses/kunskapskontroll-2/items/new/"


def file_fields(slug: str) -> dict:
    from exercises.content import read_item

    return read_item(item_dir(slug))["fields"]


def quick_draft(teacher, slug: str, source: str, **config_changes):
    from authoring.services import draft_create
    from exercises.models import Assessment

    fields = file_fields(source)
    fields["config"] = {**fields["config"], **config_changes}
    return draft_create(
        user=teacher,
        assessment=Assessment.objects.get(slug="del-2-kod"),
        slug=slug,
        kind="numeric" if "answer" in fields["config"] else "choice",
        order=40,
        fields=fields,
    )


def validated(teacher, draft):
    """Request a validation as the page does, then run what the worker runs."""
    from authoring.services import validation_request, validation_run_execute

    run = validation_request(user=teacher, draft=draft)
    return validation_run_execute(run_id=run.pk, worker="test")


def new_item_data(kind: str, **extra) -> dict:
    from exercises.models import Assessment

    return {
        "slug": f"ny-{kind}",
        "kind": kind,
        "assessment": Assessment.objects.get(slug="del-2-kod").pk,
        "order": 30,
        "points": "1",
        "title_sv": f"Ny {kind}",
        "prompt_sv": "Ett lager med **{{ units }}** neuroner och **{{ inputs }}** indata.",
        "queue": "grading",
        "concepts-TOTAL_FORMS": "0",
        "concepts-INITIAL_FORMS": "0",
        **extra,
    }


NUMERIC_FORM = {
    "answer": "inputs * units + units",
    "tolerance": "0",
    "variants": "inputs: [5, 8]\nunits: [10, 16]\n",
    "mistakes": "- answer: inputs * units\n  sv: bara vikterna\n  en: the weights only\n",
}
CHOICE_FORM = {
    "prompt_sv": "När är dropout aktivt?",
    "options": "- id: a\n  sv: Alltid\n  en: Always\n  why_sv: Nej.\n  why_en: No.\n"
    "- id: b\n  sv: Under träning\n  en: In training\n  why_sv: Ja.\n  why_en: Yes.\n",
    "correct": "b",
}


def test_a_teacher_writes_a_numeric_item_in_the_editor(personas):  # noqa: F811
    from authoring.models import ItemDraft

    client = client_for("teacher")
    response = client.post(NEW, new_item_data("numeric", **NUMERIC_FORM))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft = ItemDraft.objects.get(slug="ny-numeric")
    assert draft.kind == "numeric"
    assert draft.fields["config"] == {
        "variants": {"inputs": [5, 8], "units": [10, 16]},
        "answer": "inputs * units + units",
        "tolerance": 0,
        "mistakes": [{"answer": "inputs * units", "sv": "bara vikterna", "en": "the weights only"}],
    }
    assert draft.fields["starter"] == draft.fields["solution"] == draft.fields["checks"] == ""
    html = client.get(f"/authoring/drafts/{draft.pk}/").content.decode()
    assert 'data-kind-only="numeric"' in html and "inputs * units + units" in html
    client.cookies["django_language"] = "en"
    html = client.get(f"/authoring/drafts/{draft.pk}/").content.decode()
    assert "Right answer (expression)" in html and "Typical mistakes (YAML)" in html
    html = client.get(f"/authoring/drafts/{draft.pk}/preview/").content.decode()
    assert "Show the variant" in html


def test_the_editor_refuses_a_numeric_item_without_answer_and_bad_yaml_and_says_why(personas):  # noqa: F811
    from authoring.models import ItemDraft

    client = client_for("teacher")
    html = client.post(NEW, new_item_data("numeric", answer="", variants="units: 5\n")).content.decode()
    assert "En talfråga behöver ett rätt svar." in html
    assert "Skriv en YAML-mappning" in html
    html = client.post(
        NEW, new_item_data("choice", prompt_sv="Fråga", mistakes="", options="", correct="")
    ).content.decode()
    assert "En flervalsfråga behöver alternativ." in html and "Ange id för det rätta alternativet." in html
    html = client.post(NEW, new_item_data("choice", options="- [a, b]\n", correct="a")).content.decode()
    assert "Skriv en YAML-lista av poster" in html
    assert not ItemDraft.objects.exists()


@pytest.mark.parametrize("slug", ["dense-params-numeric", "dropout-choice"])
def test_opening_and_saving_a_published_item_unchanged_keeps_its_content_hash(personas, slug):  # noqa: F811
    from authoring.models import ItemDraft

    client = client_for("teacher")
    url = client.post(f"/authoring/items/{slug}/edit/")["Location"]
    data = edit_form_data(client, url)
    data = {k: v.replace("\n", "\r\n") if isinstance(v, str) else v for k, v in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft = ItemDraft.objects.get(slug=slug)
    assert draft.is_published_as_is
    # An edit of the answer is a change of content.
    if slug == "dense-params-numeric":
        data["tolerance"] = "0.5"
    else:
        data["correct"] = "a"
    assert client.post(url, data).status_code == 302
    draft.refresh_from_db()
    assert not draft.is_published_as_is
    assert draft.fields["config"].get("tolerance") == 0.5 or draft.fields["config"]["correct"] == "a"


def test_a_numeric_item_passes_validation_when_its_answer_earns_full_marks_for_every_variant(personas):  # noqa: F811
    run = validated(personas["teacher"], quick_draft(personas["teacher"], "numeric-copy", "dense-params-numeric"))
    assert run.status == "passed", run.problems
    assert run.solution_result["status"] == "graded" and run.solution_result["score"] == 1.0
    assert run.solution_result["feedback"]["variant"] == {"inputs": 5, "units": 10}
    page = client_for("teacher").get(f"/authoring/drafts/{run.draft.pk}/validation/").content.decode()
    assert 'data-testid="publish"' in page and "Rätt svar" in page and 'data-testid="starter-result"' not in page


@pytest.mark.parametrize(
    ("config", "told"),
    [
        ({"answer": "inputs * neurons"}, "cannot be evaluated for the variant inputs=5, units=10"),
        ({"answer": "units / (inputs - 5)"}, "cannot be evaluated for the variant inputs=5, units=10: float division"),
        ({"answer": "inputs ** 9999"}, "cannot be evaluated"),
        ({"answer": "__import__('os')"}, "not allowed in an answer expression"),
        ({"answer": "inputs *"}, "cannot be evaluated"),
        ({"mistakes": [{"answer": "inputs", "sv": "bara sv"}]}, "Typical mistake no. 1 needs answer, sv and en"),
        ({"mistakes": [{"answer": "inputs * weights", "sv": "x", "en": "y"}]}, "typical mistake no. 1 (inputs"),
        ({"variants": {"inputs": [5], "units": ["many"]}}, "must be numbers: units='many'"),
        ({"variants": {"inputs": [5]}}, "there is no such variant parameter"),
        ({"tolerance": -1}, "tolerance must be a number ≥ 0"),
        ({"variants": {f"p{i}": list(range(10)) for i in range(5)}}, "100000 combinations; at most 10000"),
    ],
)
def test_a_numeric_item_whose_answer_does_not_evaluate_fails_and_the_page_says_why(personas, config, told):  # noqa: F811
    teacher = personas["teacher"]
    run = validated(teacher, quick_draft(teacher, "numeric-broken", "dense-params-numeric", **config))
    assert run.status == "failed"
    assert any(told in p["en"] for p in run.problems), run.problems
    page = client_for("teacher").get(f"/authoring/drafts/{run.draft.pk}/validation/").content.decode()
    assert 'data-testid="problems"' in page and 'data-testid="cannot-publish"' in page
    assert 'data-testid="publish"' not in page


def test_a_choice_item_passes_validation_with_its_right_option_among_unique_ids(personas):  # noqa: F811
    run = validated(personas["teacher"], quick_draft(personas["teacher"], "choice-copy", "dropout-choice"))
    assert run.status == "passed", run.problems
    assert run.solution_result["score"] == 1.0 and run.solution_result["checks"][0]["message_en"].startswith("Right.")


@pytest.mark.parametrize(
    ("config", "told"),
    [
        ({"correct": "d"}, "The correct option “d” is not among the options (a, b, c)"),
        ({"options": [{"id": "a", "sv": "A"}, {"id": "a", "sv": "B"}], "correct": "a"}, "same id: a"),
        ({"options": [{"id": "a", "sv": "A"}, {"sv": "B"}], "correct": "a"}, "Every option needs an id"),
        ({"options": [{"id": "a", "sv": "A"}, {"id": "b"}], "correct": "a"}, "a Swedish text (sv)"),
        ({"options": [{"id": "a", "sv": "A"}], "correct": "a"}, "at least two options"),
    ],
)
def test_a_choice_item_with_bad_options_fails_validation_and_says_why(personas, config, told):  # noqa: F811
    teacher = personas["teacher"]
    run = validated(teacher, quick_draft(teacher, "choice-broken", "dropout-choice", **config))
    assert run.status == "failed"
    assert any(told in p["en"] for p in run.problems), run.problems
    page = client_for("teacher").get(f"/authoring/drafts/{run.draft.pk}/validation/").content.decode()
    assert 'data-testid="problems"' in page


def test_the_preview_shows_the_chosen_variant_and_grades_a_trial_with_it(personas):  # noqa: F811
    from authoring.models import TrialAnswer
    from authoring.services import trial_execute
    from exercises.models import Submission

    draft = quick_draft(personas["teacher"], "numeric-preview", "dense-params-numeric")
    client = client_for("teacher")
    url = f"/authoring/drafts/{draft.pk}/preview/"
    html = client.get(url).content.decode()
    # The first values by default, like `manage.py grade`.
    assert "<strong>10</strong>" in html and "<strong>5</strong>" in html
    assert 'data-testid="numeric-answer"' in html and 'data-testid="variant-picker"' in html
    html = client.get(url, {"variant-inputs": "8", "variant-units": "16"}).content.decode()
    assert "<strong>16</strong>" in html and "<strong>8</strong>" in html
    assert '<option value="16" selected>' in html
    assert 'name="variant-units" value="16"' in html  # carried into the trial form

    response = client.post(url, {"text": "144", "variant-inputs": "8", "variant-units": "16"})
    trial = TrialAnswer.objects.get(draft=draft)
    assert response.status_code == 302 and trial.variant == {"inputs": 8, "units": 16}
    trial = trial_execute(trial_id=trial.pk, worker="test")
    assert trial.status == "graded" and trial.result["score"] == 1.0
    client.post(url, {"text": "144", "variant-inputs": "5", "variant-units": "10"})
    other = trial_execute(trial_id=TrialAnswer.objects.latest("pk").pk, worker="test")
    assert other.result["score"] == 0.0  # 144 is another variant's answer
    html = client.get(f"{url}?trial={trial.pk}").content.decode()
    assert "inputs=8, units=16" in html and "<strong>16</strong>" in html and "144 är rätt." in html
    assert not Submission.objects.exists()

    # A value the item does not have is refused, said why, and nothing is graded.
    response = client.post(url, {"text": "1", "variant-units": "999"}, follow=True)
    assert "Ogiltig variant: units=999" in response.content.decode()
    assert "Ogiltig variant" in client.get(url, {"variant-colour": "red"}).content.decode()
    assert TrialAnswer.objects.count() == 2


def test_the_preview_of_a_choice_item_shows_its_options_as_radio_buttons(personas):  # noqa: F811
    from authoring.models import TrialAnswer
    from authoring.services import trial_execute

    draft = quick_draft(personas["teacher"], "choice-preview", "dropout-choice")
    client = client_for("teacher")
    url = f"/authoring/drafts/{draft.pk}/preview/"
    html = client.get(url).content.decode()
    assert html.count('type="radio" name="text"') == 3 and "Bara under träning" in html
    assert 'data-testid="variant-picker"' not in html
    client.cookies["django_language"] = "en"
    assert "Only during training" in client.get(url).content.decode()
    client.post(url, {"text": "a"})
    trial = trial_execute(trial_id=TrialAnswer.objects.get(draft=draft).pk, worker="test")
    assert trial.result["score"] == 0.0 and "every unit is used" in trial.result["checks"][0]["message_en"]


@pytest.mark.parametrize("username", ["student", "outsider"])
def test_who_may_not_author_cannot_preview_or_validate_a_numeric_draft(personas, username):  # noqa: F811
    from authoring.models import TrialAnswer, ValidationRun

    draft = quick_draft(personas["teacher"], "numeric-private", "dense-params-numeric")
    client = client_for(username)
    expected = 403 if username == "student" else 404
    url = f"/authoring/drafts/{draft.pk}"
    assert client.get(f"{url}/preview/", {"variant-units": "16"}).status_code == expected
    assert client.post(f"{url}/preview/", {"text": "1", "variant-units": "16"}).status_code == expected
    assert client.post(f"{url}/validate/").status_code == expected
    assert not TrialAnswer.objects.exists() and not ValidationRun.objects.exists()


def test_numeric_and_choice_items_written_in_the_browser_publish_and_round_trip_through_export(personas, tmp_path):  # noqa: F811
    """Written in the editor, validated, published as version 1; the export holds item.yaml with
    the answer keys; importing the export, or loading it as files, makes no new version."""
    from authoring.models import ItemDraft
    from exercises.content import content_hash, load_course, read_item
    from exercises.models import Item, ItemVersion

    client = client_for("teacher")
    assert client.post(NEW, new_item_data("numeric", **NUMERIC_FORM)).status_code == 302
    assert client.post(NEW, new_item_data("choice", **CHOICE_FORM)).status_code == 302
    for slug in ("ny-numeric", "ny-choice"):
        draft = ItemDraft.objects.get(slug=slug)
        assert validated(personas["teacher"], draft).status == "passed"
        assert client.post(f"/authoring/drafts/{draft.pk}/publish/").status_code == 302
        item = Item.objects.get(slug=slug)
        assert item.kind == draft.kind and item.current_version.number == 1
    student = client_for("student")
    assert 'data-testid="numeric-answer"' in student.get("/items/ny-numeric/").content.decode()
    assert student.get("/items/ny-choice/").content.decode().count('type="radio" name="text"') == 2

    data = export_zip(client)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
        meta = archive.read("kunskapskontroll-2/del-2-kod/ny-numeric/item.yaml").decode()
        assert "answer: inputs * units + units" in meta and "variants:" in meta and "mistakes:" in meta
        assert "correct: b" in archive.read("kunskapskontroll-2/del-2-kod/ny-choice/item.yaml").decode()
    for slug in ("ny-numeric", "ny-choice"):
        folder = tmp_path / "kunskapskontroll-2" / "del-2-kod" / slug
        assert sorted(p.name for p in folder.iterdir()) == ["item.yaml", "prompt.sv.md"]
        version = Item.objects.get(slug=slug).current_version
        assert content_hash(read_item(folder)["fields"]) == version.content_hash
    versions = ItemVersion.objects.count()
    assert "0 nya uppgifter, 0 nya versioner" in import_zip(client, data).content.decode()
    assert load_course(tmp_path / "kunskapskontroll-2").versions_created == []
    assert ItemVersion.objects.count() == versions

    # A changed answer in git is a new version on import.
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for name in src.namelist():
            text = src.read(name)
            if name.endswith("ny-numeric/item.yaml"):
                text = text.replace(b"tolerance: 0", b"tolerance: 1")
            dst.writestr(name, text)
    assert "0 nya uppgifter, 1 nya versioner" in import_zip(client, buffer.getvalue()).content.decode()
    assert Item.objects.get(slug="ny-numeric").current_version.config["tolerance"] == 1
