"""The theory scorer against the labelled answers (tests/theory_labels/): the issue's bar.

On every question: good answers average at least 70 % of the points and none gets under half;
wrong, off-topic and other-question answers get at most 30 %; the real student's answers (seed)
score inside the range a fair teacher gives them. `make bench-theory` prints the same numbers.
"""

from __future__ import annotations

import statistics
from functools import cache

import pytest

from tests.theory_labelset import LOW_LABELS, Scored, labelled, score, seed_answers, theory_items

ITEMS = theory_items()


@cache
def scored(item: str) -> list[Scored]:
    return [score(a) for a in labelled(item)]


def test_every_question_has_a_labelled_set():
    assert len(ITEMS) == 12
    for item in ITEMS:
        answers = labelled(item)
        assert len(answers) >= 15
        assert {a.label for a in answers} >= {"good", "partial", "wrong", "off-topic", "other"}
        assert {a.lang for a in answers} == {"sv", "en"}
        assert all(0 <= a.fair[0] <= a.fair[1] <= 1 for a in answers)


@pytest.mark.parametrize("item", ITEMS)
def test_good_answers_average_70_percent_and_none_under_half(item):
    good = [s for s in scored(item) if s.answer.label == "good"]
    assert statistics.mean(s.share for s in good) >= 0.7
    assert all(s.share >= 0.5 for s in good), [(s.share, s.answer.text) for s in good if s.share < 0.5]


@pytest.mark.parametrize("item", ITEMS)
def test_wrong_off_topic_and_other_question_answers_get_at_most_30_percent(item):
    low = [s for s in scored(item) if s.answer.label in LOW_LABELS]
    assert all(s.share <= 0.3 for s in low), [(s.share, s.answer.text) for s in low if s.share > 0.3]


@pytest.mark.parametrize("item", ITEMS)
def test_partial_answers_score_between_wrong_and_good(item):
    """Partial answers are ordered between the low labels and the good ones on average."""
    by_label = {
        label: statistics.mean(s.share for s in scored(item) if s.answer.label in labels)
        for label, labels in (("low", LOW_LABELS), ("partial", ("partial",)), ("good", ("good",)))
    }
    assert by_label["low"] < by_label["partial"] < by_label["good"]


@pytest.mark.parametrize("item", ITEMS)
def test_confidence_is_a_share_for_every_answer(item):
    assert all(0.0 <= s.confidence <= 1.0 for s in scored(item))


@pytest.mark.parametrize("answer", seed_answers(), ids=lambda a: a.item)
def test_the_seed_students_answer_scores_as_a_fair_teacher_would(answer):
    result = score(answer)
    assert result.agrees, f"{answer.item}: auto {result.share:.0%}, fair {answer.fair}: {answer.why}"
