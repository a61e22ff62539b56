from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "exercises"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers this app's kinds of grading job (exercises.jobs.job_kind_register).
        import exercises.services  # noqa: F401
