"""LTI 1.3 Advantage: registered platforms, the tool's keys, launches, links and grades sent back.

The tool's private keys are kept in the database (PEM, not encrypted): the database is already
the platform's most trusted zone (it holds password hashes and sessions) and a key in the
environment could not be rotated by a command. Only the public halves are ever shown (/lti/jwks/).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from exercises.models import Assessment, Course, Item


class ToolKey(models.Model):
    """One RSA key pair of the tool. The newest one signs; older ones stay published (JWKS)
    until a platform has accepted something signed with a newer key (``retired_at``)."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    first_used_at = models.DateTimeField(null=True, blank=True, help_text="A platform accepted a token signed with it")
    retired_at = models.DateTimeField(null=True, blank=True, help_text="No longer published")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.kid


class Platform(models.Model):
    """An LMS (Canvas, Moodle, ...) registered by an admin, mapped to one of our courses."""

    name = models.CharField(max_length=200, blank=True)
    issuer = models.URLField(max_length=500)
    client_id = models.CharField(max_length=255)
    login_url = models.URLField(max_length=500, help_text="The platform's OIDC authorization endpoint")
    token_url = models.URLField(max_length=500, help_text="The platform's OAuth2 token endpoint")
    jwks_url = models.URLField(max_length=500, help_text="The platform's public keys")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lti_platforms")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["issuer", "client_id"]
        constraints = [models.UniqueConstraint(fields=["issuer", "client_id"], name="unique_lti_platform")]

    def __str__(self) -> str:
        return self.name or f"{self.issuer} ({self.client_id})"

    @property
    def origin(self) -> str:
        """scheme://host[:port] of the issuer and login URL, for frame-ancestors."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.login_url)
        return f"{parts.scheme}://{parts.netloc}"


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "deployment_id"], name="unique_lti_deployment"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} / {self.deployment_id}"


class Identity(models.Model):
    """Who a platform's user (issuer, sub) is here."""

    issuer = models.CharField(max_length=500)
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lti_identities")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "sub"], name="unique_lti_identity")]

    def __str__(self) -> str:
        return f"{self.sub}@{self.issuer}"


class UsedNonce(models.Model):
    """A launch's nonce, kept so that the same id_token cannot be replayed."""

    issuer = models.CharField(max_length=500)
    nonce = models.CharField(max_length=255)
    used_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "nonce"], name="unique_lti_nonce")]

    def __str__(self) -> str:
        return self.nonce


class ResourceLink(models.Model):
    """A link in the LMS to one of our assessments or items, with its gradebook column."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="links")
    resource_link_id = models.CharField(max_length=255)
    context_id = models.CharField(max_length=255, blank=True)
    title = models.CharField(max_length=300, blank=True)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    lineitems_url = models.URLField(max_length=500, blank=True)
    lineitem_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "resource_link_id"], name="unique_lti_resource_link"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} link {self.resource_link_id}"

    @property
    def target_key(self) -> str:
        """Our id for what the link points at: the line item's resourceId."""
        if self.item is not None:
            return f"item:{self.item.slug}"
        if self.assessment is not None:
            return f"assessment:{self.assessment.slug}"
        return ""


class Context(models.Model):
    """A course in the LMS (its context), with the service URLs its launches announced."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=300, blank=True)
    lineitems_url = models.URLField(max_length=500, blank=True)
    memberships_url = models.URLField(max_length=500, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "context_id"], name="unique_lti_context")]

    def __str__(self) -> str:
        return self.title or self.context_id


class Membership(models.Model):
    """A person of an LMS course as the roster (NRPS) or a launch last said."""

    context = models.ForeignKey(Context, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    roles = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)
    left_at = models.DateTimeField(null=True, blank=True, help_text="No longer in the LMS roster")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["context", "user"], name="unique_lti_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.context}"


class GradeSync(models.Model):
    """The last score sent (or to send) for one student on one line item."""

    class State(models.TextChoices):
        PENDING = "pending", _("Väntar")
        SENT = "sent", _("Skickad")
        FAILED = "failed", _("Misslyckades")

    link = models.ForeignKey(ResourceLink, on_delete=models.CASCADE, related_name="grades")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING, db_index=True)
    score_given = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    score_maximum = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    grading_progress = models.CharField(max_length=32, blank=True)
    # When the score we sent last changed; the platform keeps the newest by this timestamp too.
    sent_timestamp = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    # When a send_score message for it was last put on the broker (or taken for a try); null: never
    # (the broker was down when the score changed). The sweeper queues such rows again.
    queued_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link", "user"], name="unique_lti_grade_sync")]

    def __str__(self) -> str:
        return f"{self.user} on {self.link}: {self.state}"
