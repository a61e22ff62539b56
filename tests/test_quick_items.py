"""Numeric and multiple-choice items: graded on the trusted side with the student's variant,
rendered as an input or radio buttons on the item page."""

import pytest

from exercises.content import item_spec_from_folder
from grader import quick, variants
from grader.harness import grade
from tests.conftest import item_dir


def _numeric():
    return item_spec_from_folder(item_dir("dense-params-numeric"))


@pytest.mark.parametrize("text", ["832", " 832 ", "832.0", "832,0", "8.32e2"])
def test_the_right_number_in_any_usual_writing_earns_the_point(text):
    result = grade(_numeric(), text, {"inputs": 12, "units": 64})
    assert result.score == result.max_score, result.checks[0].message_en


def test_the_answer_follows_the_students_variant():
    """A neighbour's number is wrong for this student."""
    assert grade(_numeric(), "60", {"inputs": 5, "units": 10}).score == 1.0
    assert grade(_numeric(), "60", {"inputs": 8, "units": 10}).score == 0.0


@pytest.mark.parametrize(
    ("answer", "told"),
    [
        ("50", "every unit has a bias too"),
        ("55", "There is one bias per unit"),
        ("15", "not a sum"),
        ("61", "is not right"),
    ],
)
def test_a_typical_mistake_is_named(answer, told):
    result = grade(_numeric(), answer, {"inputs": 5, "units": 10})
    assert result.score == 0.0 and told in result.checks[0].message_en


def test_text_that_is_not_a_number_gets_a_clear_answer():
    result = grade(_numeric(), "ungefär 60", {"inputs": 5, "units": 10})
    assert result.status == "graded" and result.score == 0.0
    assert "is not a number" in result.checks[0].message_en


def test_answer_expressions_are_parsed_not_evaluated():
    assert quick.evaluate("inputs * units + units", {"inputs": 2, "units": 3}) == 9
    with pytest.raises(ValueError):
        quick.evaluate("__import__('os').system('true')", {})


def test_choice_items_grade_the_chosen_option_and_explain_it():
    spec = item_spec_from_folder(item_dir("dropout-choice"))
    right, wrong, none = grade(spec, "b"), grade(spec, "a"), grade(spec, "zzz")
    assert right.score == 1.0 and right.checks[0].message_en.startswith("Right.")
    assert wrong.score == 0.0 and "every unit is used" in wrong.checks[0].message_en
    assert none.score == 0.0 and "Choose one of the options" in none.checks[0].message_en


def test_the_item_pages_show_an_input_the_students_numbers_and_radio_buttons(course, users, client, settings):
    from exercises.models import Item

    student = next(u for u in users.values() if not u.is_staff)
    client.force_login(student)
    numeric = Item.objects.get(slug="dense-params-numeric")
    drawn = variants.draw(
        numeric.current_version.config["variants"], secret=settings.SECRET_KEY, user_id=student.pk, slug=numeric.slug
    )
    page = client.get(numeric.get_absolute_url()).content.decode()
    assert 'data-testid="numeric-answer"' in page
    assert f"<strong>{drawn['units']}</strong>" in page and f"<strong>{drawn['inputs']}</strong>" in page
    page = client.get(Item.objects.get(slug="dropout-choice").get_absolute_url()).content.decode()
    assert page.count('type="radio" name="text"') == 3 and "Bara under träning" in page
