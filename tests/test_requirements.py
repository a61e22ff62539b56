"""Requirement tables: every coding and numeric item states its requirements, each with the
checks that enforce it; points follow requirements, not checks (no sandbox here)."""

from __future__ import annotations

import re

import pytest
import yaml

from grader.checks import Check, msg
from grader.requirements import RequirementError, check_weights, parse, score
from tests.conftest import CONTENT

ITEMS = sorted(p.parent for p in CONTENT.glob("*/*/item.yaml") if yaml.safe_load(p.read_text())["type"] != "theory")


def _check(name: str, passed: bool, text: str = "") -> Check:
    return Check(name, passed, msg(sv=text or name, en=text or name))


TABLE = parse(
    [
        {"id": "model", "text": {"sv": "modell", "en": "model"}, "checks": ["model"], "precondition": True},
        {"id": "dense", "text": {"sv": "Dense", "en": "Dense"}, "checks": ["layer-1"], "points": 2},
        {"id": "dropout", "text": {"sv": "Dropout", "en": "Dropout"}, "checks": ["layer-2", "behaviour"], "points": 1},
        {
            "id": "rest",
            "text": {"sv": "resten", "en": "the rest"},
            "checks": ["loss", "net-*"],
            "requires": ["dropout"],
        },
    ]
)


@pytest.mark.parametrize("folder", ITEMS, ids=lambda p: p.name)
def test_every_coding_and_numeric_item_has_a_requirement_table(folder):
    """Each requirement has its text in both languages and at least one check; ids are unique."""
    path = folder / "requirements.yaml"
    assert path.is_file(), f"{folder.name}: no requirements.yaml"
    table = parse(yaml.safe_load(path.read_text()), where=str(path))
    meta = yaml.safe_load((folder / "item.yaml").read_text())
    check_weights(table, meta.get("weights"))
    assert all(r.text_sv and r.text_en and r.checks for r in table)


@pytest.mark.parametrize("folder", ITEMS, ids=lambda p: p.name)
def test_swedish_and_english_prompts_name_the_same_code_and_numbers(folder):
    """The two prompts state the same requirements: the same code spans and the same numbers."""

    def facts(text: str) -> tuple[list[str], list[str]]:
        code = sorted(set(re.findall(r"`([^`]+)`", text)))
        numbers = sorted(set(re.findall(r"(?<![\w.])\d+(?:[.,]\d+)?", re.sub(r"`[^`]+`", "", text))))
        return code, [n.replace(",", ".") for n in numbers]

    sv, en = (folder / "prompt.sv.md").read_text(), (folder / "prompt.en.md").read_text()
    assert facts(sv) == facts(en)


def test_a_missing_layer_costs_once_and_its_message_is_told_once():
    """Two checks notice the missing Dropout (its layer and the behaviour): one requirement fails."""
    checks = [
        _check("model", True),
        _check("layer-1", True),
        _check("layer-2", False, "A Dropout(0.3) is missing after layer 1."),
        _check("behaviour", False, "A Dropout(0.3) is missing after layer 1."),
        _check("loss", True),
    ]
    total, outcomes, unmapped = score(6, checks, TABLE)
    by_id = {o.requirement.id: o for o in outcomes}
    assert total == 3.0 and not unmapped  # 6 points by weight 2 : 1 : 1, only Dense earned
    assert by_id["dropout"].points == 0 and by_id["dropout"].max_points == 1.5
    assert by_id["dropout"].message_en == "A Dropout(0.3) is missing after layer 1."
    # "the rest" requires the dropout: it holds, but counts only once the dropout is there.
    assert by_id["rest"].passed and by_id["rest"].points == 0 and "Counts only once" in by_id["rest"].message_en


def test_a_failed_precondition_gates_everything():
    checks = [_check("model", False, "build_model() did not return a Keras model"), _check("layer-1", True)]
    total, outcomes, _ = score(6, checks, TABLE)
    assert total == 0
    assert [o.points for o in outcomes] == [0, 0, 0, 0]
    assert outcomes[2].message_en.startswith("Not checked")


PROHIBITION_TABLE = parse(
    [
        {"id": "model", "text": {"sv": "modell", "en": "model"}, "checks": ["model"], "precondition": True},
        {"id": "dense", "text": {"sv": "Dense", "en": "Dense"}, "checks": ["layer-1"], "points": 2},
        {"id": "output", "text": {"sv": "Utgång", "en": "Output"}, "checks": ["layer-2"], "points": 2},
        {
            "id": "not-trained",
            "text": {"sv": "tränar inte", "en": "does not train"},
            "checks": ["not-trained"],
            "requires_any": ["dense", "output"],
        },
    ]
)


def test_what_the_prompt_forbids_earns_nothing_for_a_model_that_does_none_of_the_task():
    """A model that meets only the preconditions also obeys every prohibition ("does not train
    the model"); with requires_any that earns nothing, and is said."""
    checks = [_check("model", True), _check("layer-1", False), _check("layer-2", False), _check("not-trained", True)]
    total, outcomes, _ = score(5, checks, PROHIBITION_TABLE)
    assert total == 0
    assert outcomes[3].passed and outcomes[3].points == 0 and not outcomes[3].counted
    assert "Counts only once one of these holds: Dense; Output." in outcomes[3].message_en
    assert "Räknas först när något av detta håller: Dense; Utgång." in outcomes[3].message_sv


def test_a_prohibition_counts_once_any_one_of_its_requirements_holds():
    checks = [_check("model", True), _check("layer-1", False), _check("layer-2", True), _check("not-trained", True)]
    total, outcomes, _ = score(5, checks, PROHIBITION_TABLE)
    assert total == 3.0 and outcomes[3].points == 1.0 and outcomes[3].counted  # 5 x (2 + 1) / 5
    assert PROHIBITION_TABLE[3].as_dict()["requires_any"] == ["dense", "output"]
    with pytest.raises(RequirementError, match="requires unknown nothing"):
        parse([{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": ["x"], "requires_any": ["nothing"]}])
    with pytest.raises(RequirementError, match="requires_any must be a list"):
        parse([{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": ["x"], "requires_any": "a"}])


def test_weights_from_item_yaml_override_the_table_and_unmapped_checks_are_returned():
    checks = [_check("model", True), _check("layer-1", True), _check("layer-2", True), _check("behaviour", True)]
    checks += [_check("loss", True), _check("net-1", True), _check("surprise", True)]
    weights = check_weights(TABLE, {"dense": 1, "dropout": 1, "rest": 2})
    total, outcomes, unmapped = score(8, checks, TABLE, weights)
    assert total == 8 and [o.max_points for o in outcomes] == [0, 2, 2, 4]
    assert [c.name for c in unmapped] == ["surprise"]


@pytest.mark.parametrize(
    ("table", "weights", "message"),
    [
        ([{"id": "a", "text": {"sv": "a"}, "checks": ["x"]}], None, "needs text with both sv and en"),
        ([{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": []}], None, "needs the names of the checks"),
        (
            [{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": ["x"], "precondition": True, "points": 1}],
            None,
            "a precondition carries no points",
        ),
        ([{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": ["x"], "requires": ["b"]}], None, "requires unknown b"),
        ([{"id": "a", "text": {"sv": "a", "en": "a"}, "checks": ["x"]}], {"b": 1}, "not in requirements.yaml"),
    ],
)
def test_a_broken_table_is_refused_with_a_clear_message(table, weights, message):
    with pytest.raises(RequirementError, match=message):
        check_weights(parse(table), weights)


def test_the_loader_keeps_the_table_and_weights_round_trip(tmp_path):
    """requirements.yaml goes into the version's config and comes back out as the same file."""
    from exercises.content import content_hash, item_from_files, item_to_files, read_item_files

    folder = next(p for p in ITEMS if p.name == "build-network")
    files = read_item_files(folder)
    files["item.yaml"] += "weights:\n  not-trained: 3\n"
    item = item_from_files(files)
    assert item["fields"]["config"]["requirements"][0]["id"] == "returns-model"
    assert item["fields"]["config"]["weights"] == {"not-trained": 3}
    again = item_from_files(item_to_files(kind=item["kind"], order=item["order"], fields=item["fields"]))
    assert content_hash(again["fields"]) == content_hash(item["fields"])


def test_weights_without_a_table_or_naming_an_unknown_requirement_are_content_errors():
    from exercises.content import ContentError, item_from_files, read_item_files

    files = read_item_files(next(p for p in ITEMS if p.name == "build-network"))
    files["item.yaml"] += "weights:\n  no-such: 3\n"
    with pytest.raises(ContentError, match="no-such"):
        item_from_files(files)
    del files["requirements.yaml"]
    with pytest.raises(ContentError, match="no requirements.yaml"):
        item_from_files(files)


@pytest.mark.django_db
def test_teachers_see_the_requirement_table_when_editing_and_previewing(users, course):
    from django.test import Client

    from authoring.services import draft_create
    from exercises.content import read_item
    from exercises.models import Assessment

    folder = next(p for p in ITEMS if p.name == "build-network")
    draft = draft_create(
        user=users["teacher"],
        assessment=Assessment.objects.get(slug="del-2-kod"),
        slug="build-network-copy",
        kind="code",
        order=20,
        fields=read_item(folder)["fields"],
    )
    client = Client()
    assert client.login(username="teacher", password="teacher")
    for url in (draft.get_absolute_url(), f"/authoring/drafts/{draft.pk}/preview/"):
        page = client.get(url).content.decode()
        assert 'data-testid="requirement-not-trained"' in page, url
        assert "Funktionen tränar inte modellen" in page and "förhandskrav" in page
