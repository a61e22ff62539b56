"""Teachers' work in progress on items, and the worker runs that validate it before publishing.

A draft holds an item's content in the same shape as an ItemVersion (``exercises.content``'s
fields), so publishing is ``item_version_save`` on the draft's fields; nothing here touches
students' submissions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from exercises.jobs import Job
from exercises.models import Assessment, Course, Item, ItemVersion


class ItemDraft(models.Model):
    """The editable content of one item, new or already published."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="item_drafts")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="item_drafts")
    # Empty until the first publish creates the Item.
    item = models.OneToOneField(Item, on_delete=models.CASCADE, null=True, blank=True, related_name="authoring_draft")
    slug = models.SlugField()
    kind = models.CharField(max_length=16, choices=Item.Kind.choices)
    order = models.PositiveIntegerField(default=0)
    fields = models.JSONField(default=dict, help_text="The content, shaped like an ItemVersion's fields")
    content_hash = models.CharField(max_length=64)
    published_version = models.ForeignKey(
        ItemVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assessment__order", "order", "slug"]
        constraints = [models.UniqueConstraint(fields=["slug"], name="unique_item_draft_slug")]

    def __str__(self) -> str:
        return f"draft {self.slug}"

    def get_absolute_url(self) -> str:
        return reverse("authoring:draft", kwargs={"pk": self.pk})

    @property
    def title(self) -> str:
        return str(self.fields.get("title_sv", ""))

    @property
    def latest_run(self) -> ValidationRun | None:
        return self.validation_runs.order_by("-created_at", "-pk").first()

    @property
    def is_published_as_is(self) -> bool:
        """The item's current version is exactly this draft's content."""
        version = self.item.current_version if self.item is not None else None
        return version is not None and version.content_hash == self.content_hash


class ValidationRun(Job):
    """One check of a draft on the workers: the reference solution must earn full marks and the
    starter must not. Tied to the content hash it validated, so an edit needs a new run. A job
    (``exercises.jobs``); it finishes passed, failed, or error (the platform failed)."""

    draft = models.ForeignKey(ItemDraft, on_delete=models.CASCADE, related_name="validation_runs")
    content_hash = models.CharField(max_length=64)
    # A copy of what was validated: the draft may change while the run waits in the queue.
    fields = models.JSONField(default=dict)
    solution_result = models.JSONField(null=True, blank=True)
    starter_result = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True, help_text="Why it failed, one message each (sv, en)")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"validation #{self.pk} of {self.draft.slug}: {self.status}"


class TrialAnswer(Job):
    """An answer a teacher tries in the preview, graded against the draft on the workers: what a
    student would see for it, before anything is published. Never a Submission. A job
    (``exercises.jobs``); it finishes graded (whatever the grade), or error."""

    draft = models.ForeignKey(ItemDraft, on_delete=models.CASCADE, related_name="trial_answers")
    content_hash = models.CharField(max_length=64)
    fields = models.JSONField(default=dict)
    text = models.TextField()
    # The variant parameters the teacher chose in the preview; {} for an item without variants.
    variant = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"trial #{self.pk} of {self.draft.slug}: {self.status}"
