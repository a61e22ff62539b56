"""Courses, assessments, versioned items, drafts, submissions and their per-check results.

Content is authored as files (``content/``) and loaded into these tables; every change of an
item's content makes a new ``ItemVersion``, and a submission points at the version it was
graded against, so a regrade is always a deliberate act.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from exercises.jobs import Job


def _pick(sv: str, en: str) -> str:
    return en if (get_language() or "sv").startswith("en") and en else sv


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title_sv = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    description_sv = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title_sv

    @property
    def title(self) -> str:
        return _pick(self.title_sv, self.title_en)

    @property
    def description(self) -> str:
        return _pick(self.description_sv, self.description_en)


class Enrollment(models.Model):
    """Who takes or teaches a course."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Lärare")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_enrollment")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course} ({self.role})"


class Assessment(models.Model):
    """A part of a course with its own window and rules (used by the dashboard issue)."""

    class Release(models.TextChoices):
        IMMEDIATE = "immediate", _("Direkt")
        AFTER_REVIEW = "after_review", _("Efter granskning")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assessments")
    slug = models.SlugField()
    order = models.PositiveIntegerField(default=0)
    title_sv = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    time_limit_minutes = models.PositiveIntegerField(null=True, blank=True)
    attempts_allowed = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited")
    late_penalty_percent = models.PositiveIntegerField(default=0)
    # Late work is taken until here (with the penalty); empty: closes_at is a hard close.
    late_until = models.DateTimeField(null=True, blank=True)
    release = models.CharField(max_length=16, choices=Release.choices, default=Release.IMMEDIATE)
    # Students may run the visible examples for free (not graded); off for an exam.
    examples_enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["course", "order"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_assessment_slug")]

    def __str__(self) -> str:
        return f"{self.course.slug}/{self.slug}"

    @property
    def title(self) -> str:
        return _pick(self.title_sv, self.title_en)

    @property
    def needs_review(self) -> bool:
        return self.release == self.Release.AFTER_REVIEW


class Extension(models.Model):
    """One student's own rules for an assessment: a later close and/or extra attempts."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="extensions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions")
    closes_at = models.DateTimeField(null=True, blank=True, help_text="Empty: the assessment's own close")
    extra_attempts = models.PositiveIntegerField(default=0)
    extra_minutes = models.PositiveIntegerField(default=0, help_text="Added to the time limit")
    reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "user"], name="unique_extension")]

    def __str__(self) -> str:
        return f"extension {self.user} on {self.assessment}"


class AssessmentStart(models.Model):
    """When a student first opened an item of a timed assessment: the time limit runs from here."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="starts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assessment", "user"], name="unique_assessment_start")]

    def __str__(self) -> str:
        return f"{self.user} started {self.assessment}"


class Item(models.Model):
    """A theory question or a coding exercise; its content lives in versions."""

    class Kind(models.TextChoices):
        THEORY = "theory", _("Teorifråga")
        CODE = "code", _("Kodövning")
        NUMERIC = "numeric", _("Talsvar")
        CHOICE = "choice", _("Flerval")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    order = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "ItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["assessment__order", "order"]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("exercises:item", kwargs={"slug": self.slug})


class ItemVersion(models.Model):
    """One immutable state of an item's content."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    title_sv = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200, blank=True)
    prompt_sv = models.TextField()
    prompt_en = models.TextField(blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2)
    starter = models.TextField(blank=True)
    solution = models.TextField(blank=True)
    checks = models.TextField(blank=True, help_text="Hidden checks: trusted side only")
    rubric = models.JSONField(default=list, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="limits, queue, variants")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "-number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="unique_item_version")]

    def __str__(self) -> str:
        return f"{self.item.slug} v{self.number}"

    @property
    def title(self) -> str:
        return _pick(self.title_sv, self.title_en)

    @property
    def prompt(self) -> str:
        return _pick(self.prompt_sv, self.prompt_en)

    @property
    def queue(self) -> str:
        """The queue the item asks for: ``gpu: true`` in item.yaml, or a queue named outright.
        Where it is actually sent is decided at enqueue time (grader.launch.routing.choose_queue)."""
        if self.config.get("gpu"):
            return "grading-gpu"
        return str(self.config.get("queue", "grading"))


class Draft(models.Model):
    """The text a student is working on, kept between visits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="drafts")
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item"], name="unique_draft")]

    def __str__(self) -> str:
        return f"draft {self.user}/{self.item}"


class Submission(Job):
    """A student's answer and its grade; a job (``exercises.jobs``): regrading puts it back in the queue."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="submissions")
    item_version = models.ForeignKey(ItemVersion, on_delete=models.PROTECT, related_name="submissions")
    attempt = models.PositiveIntegerField(default=1)
    text = models.TextField(help_text="The code or the answer, as submitted")
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=6, decimal_places=2)
    output = models.TextField(blank=True)
    error = models.JSONField(null=True, blank=True)
    feedback = models.JSONField(default=dict, blank=True)
    # The per-student parameters it was graded with (grader.variants); {} for items without.
    variant = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    # Grading policy. ``score`` is what the grader gave; ``final_score`` is what counts: the auto
    # score less the late penalty recorded at submission, or a teacher's override.
    late_penalty_percent = models.PositiveIntegerField(default=0)
    final_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    overridden = models.BooleanField(default=False, help_text="final_score was set by a teacher")
    teacher_comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "item", "-created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user}/{self.item} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("exercises:submission", kwargs={"pk": self.pk})

    @property
    def seconds_to_feedback(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.created_at).total_seconds()

    @property
    def is_released(self) -> bool:
        """May the student see the score and the checks? At once, or once a teacher reviewed it;
        in exam mode with feedback held back, not before the sitting's close (``exams.feedback``)."""
        from exams.feedback import exam_hides_scores

        if exam_hides_scores(self):
            return False
        return self.item.assessment.release != Assessment.Release.AFTER_REVIEW or self.reviewed_at is not None

    @property
    def confidence(self) -> float:
        """How sure the auto scorer was, in [0, 1]; a missing or broken value counts as unsure."""
        value = (self.feedback or {}).get("confidence")
        try:
            number = float(value if isinstance(value, int | float | str) else "nan")
        except ValueError:
            return 0.0
        if math.isnan(number):
            return 0.0
        return min(max(number, 0.0), 1.0)


class CheckResult(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="check_results")
    order = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    passed = models.BooleanField()
    points = models.DecimalField(max_digits=6, decimal_places=2)
    max_points = models.DecimalField(max_digits=6, decimal_places=2)
    message_sv = models.TextField()
    message_en = models.TextField(blank=True)
    hint_sv = models.TextField(blank=True)
    hint_en = models.TextField(blank=True)

    class Meta:
        ordering = ["submission", "order"]

    def __str__(self) -> str:
        return f"{self.submission_id}:{self.name}"

    @property
    def message(self) -> str:
        return _pick(self.message_sv, self.message_en)

    @property
    def hint(self) -> str:
        return _pick(self.hint_sv, self.hint_en)


class RegradeBatch(models.Model):
    """One teacher's request to grade submissions again; progress is read from its submissions."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    description = models.CharField(max_length=300)
    submissions = models.ManyToManyField(Submission, related_name="regrade_batches")

    def __str__(self) -> str:
        return f"regrade #{self.pk}: {self.description}"


class ScoreChange(models.Model):
    """The audit log of scores: every change, who made it, when, from what to what, and why.

    Rows are only ever added. A regrade keeps the earlier result here (version, score, checks).
    """

    class Kind(models.TextChoices):
        OVERRIDE = "override", _("Ändrad av lärare")
        ACCEPT = "accept", _("Bekräftad av lärare")
        REGRADE = "regrade", _("Omrättning")
        UNDO_ACCEPT = "undo_accept", _("Bekräftelse ångrad")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="score_changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    old_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    new_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.submission_id} {self.kind} {self.old_score}->{self.new_score}"
