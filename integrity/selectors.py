"""Reads for similarity: which texts to compare, ranked pairs with their marks, one pair side by side.

Like ``dashboard.selectors``, nothing here checks permissions: the views pass only items and
submissions the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from exercises.models import Course, Enrollment, Item, ItemVersion, Submission
from integrity.models import PairMark
from integrity.similarity import CODE, THEORY, Detector, Document, Pair, segments

KINDS = {Item.Kind.CODE: CODE, Item.Kind.THEORY: THEORY}
LATEST, BEST = "latest", "best"
# The dashboard lists this many pairs; the command prints all.
SHOWN_PAIRS = 200


def _texts(value: Any) -> list[str]:
    """Every string inside a rubric's labels, hints and phrases ({"sv": ..., "en": [...]})."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def item_detector(*, version: ItemVersion, kind: str) -> Detector:
    """The detector for one item: what everyone was given or must write alike is subtracted.

    Code: the starter and the reference solution. Theory: the question in both languages, the
    model answer, the rubric's labels and hints (shingles), and the rubric's phrases.
    """
    if kind == Item.Kind.CODE:
        return Detector(kind=CODE, boilerplate=[version.starter, version.solution])
    if kind == Item.Kind.THEORY:
        concepts = version.rubric if isinstance(version.rubric, list) else []
        wording = [version.prompt_sv, version.prompt_en, version.solution]
        for concept in concepts:
            if isinstance(concept, dict):
                wording += _texts(concept.get("label")) + _texts(concept.get("hint"))
        phrases = [p for c in concepts if isinstance(c, dict) for p in _texts(c.get("phrases"))]
        return Detector(kind=THEORY, boilerplate=wording, phrases=phrases)
    raise ValueError(f"no similarity for items of kind {kind}")


def comparable(*, item: Item) -> bool:
    return item.kind in KINDS and item.current_version is not None


def course_items(*, course: Course) -> list[Item]:
    return list(
        Item.objects.filter(assessment__course=course, kind__in=list(KINDS))
        .select_related("current_version", "assessment")
        .order_by("assessment__order", "order")
    )


def chosen_submissions(*, item: Item, use: str = LATEST) -> dict[str, Submission]:
    """One submission per student of the course (username -> submission): the latest one, or the
    best (highest final score, the latest of equals). Empty texts are left out."""
    students = User.objects.filter(
        enrollments__course=item.assessment.course, enrollments__role=Enrollment.Role.STUDENT
    )
    subs = (
        Submission.objects.filter(item=item, user__in=students)
        .exclude(text="")
        .select_related("user")
        .order_by("created_at", "pk")
    )
    chosen: dict[str, Submission] = {}
    for sub in subs:
        name = sub.user.username
        held = chosen.get(name)
        if held is None or use != BEST:
            chosen[name] = sub
        elif (sub.final_score if sub.final_score is not None else -1) >= (
            held.final_score if held.final_score is not None else -1
        ):
            chosen[name] = sub
    return chosen


@dataclass
class RankedPair:
    pair: Pair
    a: Submission
    b: Submission
    mark: PairMark | None


@dataclass
class Ranking:
    item: Item
    use: str
    students: int
    pairs: list[RankedPair]
    total_pairs: int  # pairs with a score above zero, of which ``pairs`` are the first


def _order(a: Submission, b: Submission) -> tuple[Submission, Submission]:
    return (a, b) if a.user_id < b.user_id else (b, a)


def latest_marks(*, item: Item) -> dict[tuple[int, int], PairMark]:
    marks: dict[tuple[int, int], PairMark] = {}
    for mark in PairMark.objects.filter(item=item).select_related("by").order_by("-at", "-pk"):
        marks.setdefault((mark.student_a_id, mark.student_b_id), mark)
    return marks


def _documents(*, item: Item, chosen: dict[str, Submission]) -> tuple[Detector, list[Document]]:
    assert item.current_version is not None
    detector = item_detector(version=item.current_version, kind=item.kind)
    return detector, detector.documents({name: sub.text for name, sub in chosen.items()})


def item_ranking(*, item: Item, use: str = LATEST, limit: int = SHOWN_PAIRS) -> Ranking:
    chosen = chosen_submissions(item=item, use=use)
    detector, docs = _documents(item=item, chosen=chosen)
    pairs = detector.rank(docs)
    marks = latest_marks(item=item)
    ranked = []
    for pair in pairs[:limit]:
        a, b = _order(chosen[pair.a], chosen[pair.b])
        ranked.append(RankedPair(pair=pair, a=a, b=b, mark=marks.get((a.user_id, b.user_id))))
    return Ranking(item=item, use=use, students=len(chosen), pairs=ranked, total_pairs=len(pairs))


@dataclass
class Side:
    submission: Submission
    segments: list[tuple[str, bool]]
    marked_share: float


@dataclass
class PairView:
    item: Item
    score: float
    left: Side
    right: Side
    history: QuerySet[PairMark]


def pair_view(*, item: Item, a: Submission, b: Submission) -> PairView:
    """Two submissions side by side with the regions they share marked.

    The score is the one the ranking shows: computed among the texts the ranking compares (with
    these two in place of their authors' chosen ones), since what most of the class shares is
    subtracted there.
    """
    a, b = _order(a, b)
    chosen = chosen_submissions(item=item)
    chosen[a.user.username], chosen[b.user.username] = a, b
    detector, docs = _documents(item=item, chosen=chosen)
    by_name = {d.name: d for d in docs}
    doc_a, doc_b = by_name[a.user.username], by_name[b.user.username]
    spans_a, spans_b = detector.regions(doc_a, doc_b)

    def side(sub: Submission, spans: list[tuple[int, int]]) -> Side:
        marked = sum(end - start for start, end in spans)
        return Side(submission=sub, segments=segments(sub.text, spans), marked_share=marked / max(len(sub.text), 1))

    history = PairMark.objects.filter(item=item, student_a=a.user, student_b=b.user).select_related(
        "by", "submission_a", "submission_b"
    )
    return PairView(
        item=item,
        score=detector.score(doc_a, doc_b),
        left=side(a, spans_a),
        right=side(b, spans_b),
        history=history.order_by("-at", "-pk"),
    )
