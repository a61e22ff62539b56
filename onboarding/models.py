"""A roster import kept between its preview and its confirmation, and the invitations sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exercises.models import Course


class RosterImport(models.Model):
    """The parsed rows of one upload, kept on the server between preview and confirmation, so
    the confirmation posts only this row's id and nothing the browser could change."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Förhandsgranskning")
        APPLIED = "applied", _("Genomförd")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="roster_imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=200, blank=True, help_text="File name, or 'pasted'")
    language = models.CharField(max_length=8, default="sv", help_text="Invitations' language unless a row says")
    rows = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREVIEW)
    applied_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"roster import {self.pk} for {self.course.slug} ({self.status})"


class Invitation(models.Model):
    """An invitation of a new person to a course: an email with a set-password link."""

    class Status(models.TextChoices):
        NOT_SENT = "not_sent", _("Inte skickad")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Kunde inte skickas")
        ACCEPTED = "accepted", _("Aktiverad")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    language = models.CharField(max_length=8, default="sv")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "user"], name="unique_invitation")]

    def __str__(self) -> str:
        return f"invitation of {self.user} to {self.course}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.last_error:
            return self.Status.FAILED
        return self.Status.SENT if self.sent_at else self.Status.NOT_SENT

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)
