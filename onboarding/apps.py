from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    """Standalone onboarding for courses without an LMS: roster import, invitations, members."""

    name = "onboarding"
    default_auto_field = "django.db.models.BigAutoField"
