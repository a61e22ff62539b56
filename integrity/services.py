"""Writes for similarity: a teacher's mark on a pair. There is no automatic penalty anywhere."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from exercises.models import Submission
from integrity.models import PairMark


def pair_mark_create(*, a: Submission, b: Submission, by: User, verdict: str, note: str, score: float) -> PairMark:
    """Record a teacher's verdict on a pair ("fine" or "suspicious"), with a note.

    A suspicious verdict needs a note that says why. Nothing is changed but the pair's log:
    scores stay as they are, and the student is not told.
    """
    if verdict not in PairMark.Verdict.values:
        raise ValidationError(_("Välj okej eller misstänkt."))
    note = note.strip()
    if verdict == PairMark.Verdict.SUSPICIOUS and not note:
        raise ValidationError(_("Skriv en anteckning som förklarar varför paret är misstänkt."))
    if a.item_id != b.item_id or a.user_id == b.user_id:
        raise ValidationError(_("Ett par är två studenters svar på samma uppgift."))
    if a.user_id > b.user_id:
        a, b = b, a
    return PairMark.objects.create(
        item_id=a.item_id,
        student_a_id=a.user_id,
        student_b_id=b.user_id,
        submission_a=a,
        submission_b=b,
        score=score,
        verdict=verdict,
        note=note,
        by=by,
    )
