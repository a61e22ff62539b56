"""Per-student variants: drawn once per (student, item), shown in the prompt, recorded on the
submission, and used by the checks and the reference solution."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exercises.content import item_spec_from_folder
from grader import variants
from grader.harness import grade
from tests.conftest import item_dir

SLUG = "dropout-variant"
SPEC = {"units": [32, 48, 64, 96, 128], "rate": [0.2, 0.25, 0.3, 0.4, 0.5]}


def _solution(variant: dict) -> str:
    return variants.render((item_dir(SLUG) / "solution.py").read_text(), variant)


def test_the_draw_is_deterministic_per_student_and_differs_between_neighbours():
    drawn = [variants.draw(SPEC, secret="s3cret", user_id=uid, slug=SLUG) for uid in range(1, 21)]
    assert drawn[0] == variants.draw(SPEC, secret="s3cret", user_id=1, slug=SLUG)
    assert all(v["units"] in SPEC["units"] and v["rate"] in SPEC["rate"] for v in drawn)
    assert len({json.dumps(v, sort_keys=True) for v in drawn}) >= 8
    assert (
        variants.draw(SPEC, secret="other", user_id=1, slug=SLUG) != drawn[0]
        or variants.draw(SPEC, secret="other", user_id=2, slug=SLUG) != drawn[1]
    ), "the secret must change the draw"


def test_a_hand_given_variant_must_use_the_items_parameters_and_values():
    assert variants.validate(SPEC, {"units": 64}) == {"units": 64, "rate": 0.2}
    with pytest.raises(ValueError, match="unknown parameter"):
        variants.validate(SPEC, {"neurons": 64})
    with pytest.raises(ValueError, match="units must be one of"):
        variants.validate(SPEC, {"units": 65})


@pytest.mark.integration
@pytest.mark.parametrize(
    "variant", [{"units": 32, "rate": 0.2}, {"units": 96, "rate": 0.25}, {"units": 128, "rate": 0.5}]
)
def test_the_reference_solution_earns_full_marks_in_each_variant(variant):
    spec = item_spec_from_folder(item_dir(SLUG))
    result = grade(spec, _solution(variant), variant)
    assert result.score == result.max_score, [c.message_en for c in result.checks if not c.passed]
    assert result.feedback["variant"] == variant


@pytest.mark.integration
def test_a_neighbours_answer_is_told_the_students_own_numbers():
    spec = item_spec_from_folder(item_dir(SLUG))
    mine, neighbours = {"units": 64, "rate": 0.3}, {"units": 48, "rate": 0.4}
    result = grade(spec, _solution(neighbours), mine)
    failed = [c.message_en for c in result.checks if not c.passed]
    assert result.score < result.max_score
    assert any("has 48 units; the task asks for 64" in m for m in failed), failed
    assert any("The task asks for Dropout(0.3)" in m for m in failed), failed


@pytest.mark.integration
def test_the_grade_command_takes_a_variant(tmp_path, capsys):
    answer = tmp_path / "answer.py"
    answer.write_text(_solution({"units": 96, "rate": 0.4}))
    call_command("grade", SLUG, str(answer), "--json", "--variant", '{"units": 96, "rate": 0.4}')
    data = json.loads(capsys.readouterr().out)
    assert data["score"] == data["max_score"] and data["feedback"]["variant"] == {"units": 96, "rate": 0.4}
    with pytest.raises(CommandError, match="units must be one of"):
        call_command("grade", SLUG, str(answer), "--variant", '{"units": 7}')
    with pytest.raises(CommandError, match="has no variants"):
        call_command("grade", "build-network", str(answer), "--variant", '{"units": 7}')


def test_the_student_sees_their_values_and_the_submission_records_them(course, users, client, settings):
    from exercises import services
    from exercises.models import Item

    item = Item.objects.get(slug=SLUG)
    student = next(u for u in users.values() if not u.is_staff)
    expected = variants.draw(SPEC, secret=settings.SECRET_KEY, user_id=student.pk, slug=SLUG)
    client.force_login(student)
    page = client.get(item.get_absolute_url()).content.decode()
    assert f"<strong>{expected['units']}</strong>" in page and f"<strong>{expected['rate']}</strong>" in page
    assert "{{ units }}" not in page
    submission = services.submission_create(user=student, item=item, text=_solution(expected))
    submission.refresh_from_db()
    assert submission.variant == expected
