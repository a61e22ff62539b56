from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "authoring"
    verbose_name = "Authoring"

    def ready(self) -> None:
        # Registers this app's kinds of grading job (exercises.jobs.job_kind_register).
        import authoring.services  # noqa: F401
