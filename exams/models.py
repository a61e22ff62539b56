"""Exam mode of an assessment: its access rules, feedback during the sitting, and the exam log.

The assessment's window, time limit, attempts and extensions stay on ``Assessment`` and
``Extension`` (``exercises``); this app adds what makes a part a sitting in a room.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exercises.models import Assessment, Item, Submission


def _lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class ExamSettings(models.Model):
    """Exam mode for one assessment (one row per assessment; absent or disabled: no exam mode)."""

    class Feedback(models.TextChoices):
        FULL = "full", _("Full återkoppling")
        RUNS = "runs", _("Bara om koden körs (utan poäng)")
        NONE = "none", _("Ingen återkoppling")

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="exam")
    enabled = models.BooleanField(default=False)
    allowed_networks = models.TextField(blank=True, help_text="CIDR blocks, one a line; empty: any")
    access_code = models.CharField(max_length=64, blank=True)
    require_seb = models.BooleanField(default=False)
    seb_config_keys = models.TextField(blank=True)
    seb_browser_exam_keys = models.TextField(blank=True)
    feedback = models.CharField(max_length=8, choices=Feedback.choices, default=Feedback.FULL)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"exam mode of {self.assessment} ({'on' if self.enabled else 'off'})"

    @property
    def networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        return [ipaddress.ip_network(cidr, strict=False) for cidr in _lines(self.allowed_networks)]

    @property
    def config_keys(self) -> list[str]:
        return [key.lower() for key in _lines(self.seb_config_keys)]

    @property
    def browser_exam_keys(self) -> list[str]:
        return [key.lower() for key in _lines(self.seb_browser_exam_keys)]


class ExamSession(models.Model):
    """A student's login while an exam of theirs is on: only the newest one is let through."""

    class End(models.TextChoices):
        REPLACED = "replaced", _("Ersatt av en ny inloggning")
        LOGOUT = "logout", _("Utloggad")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_sessions")
    # A hash of the session key: the log must not hold what would let someone take the session over.
    session_hash = models.CharField(max_length=64, db_index=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=16, choices=End.choices, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"exam session of {self.user} from {self.ip}"


class ExamEvent(models.Model):
    """One line of the exam log. Session events concern every exam of the student (no assessment)."""

    class Kind(models.TextChoices):
        SESSION_START = "session_start", _("Inloggning")
        SESSION_REPLACED = "session_replaced", _("Sessionen avslutades av en ny inloggning")
        OLD_SESSION = "old_session", _("Avslutad session användes")
        LOGOUT = "logout", _("Utloggning")
        REFUSED = "refused", _("Nekad")
        CODE_ACCEPTED = "code_accepted", _("Rätt provkod")
        SUBMITTED = "submitted", _("Inlämning")
        AUTO_SUBMITTED = "auto_submitted", _("Automatisk inlämning vid tidens slut")
        LATE_DRAFT = "late_draft", _("Utkast efter tidens slut (räknas inte)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exam_events")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="exam_events"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    rule = models.CharField(max_length=16, blank=True, help_text="network, seb or code, for a refusal")
    ip = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    detail = models.JSONField(default=dict, blank=True)
    submission = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "assessment", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%H:%M:%S} {self.user} {self.kind}"


class ExamAutoSubmission(models.Model):
    """The claim on one student's draft of one item at one deadline: whoever creates the row (the
    browser at zero or the sweeper) submits it, so a draft is submitted once, however many try."""

    class Source(models.TextChoices):
        BROWSER = "browser", _("Webbläsaren vid noll")
        SWEEP = "sweep", _("Servern efter tidens slut")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    deadline = models.DateTimeField()
    source = models.CharField(max_length=8, choices=Source.choices)
    submission = models.ForeignKey(Submission, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "item", "deadline"], name="unique_exam_auto_submission")]

    def __str__(self) -> str:
        return f"auto-submission {self.user}/{self.item} at {self.deadline}"
