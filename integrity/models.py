"""Teachers' judgements of similar pairs. The similarity itself is computed, never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exercises.models import Item, Submission


class PairMark(models.Model):
    """A teacher's judgement of two students' answers to one item: the audit log of a pair.

    Rows are only ever added (like ``ScoreChange``): the newest row is the pair's verdict, the
    older ones say who thought what, when and why. A mark never changes a score.
    ``student_a`` is always the student with the smaller id, so a pair has one name.
    """

    class Verdict(models.TextChoices):
        FINE = "fine", _("Okej")
        SUSPICIOUS = "suspicious", _("Misstänkt")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="pair_marks")
    student_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    student_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submission_a = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, related_name="+")
    submission_b = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, related_name="+")
    score = models.FloatField(help_text="The similarity when the pair was marked")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["item", "student_a", "student_b", "-at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(student_a__lt=models.F("student_b")), name="pair_mark_ordered")
        ]

    def __str__(self) -> str:
        return f"{self.item.slug}: {self.student_a_id}/{self.student_b_id} {self.verdict}"
