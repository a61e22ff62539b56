from django.apps import AppConfig


class ExamsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "exams"
    verbose_name = "Exam mode"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from exams import sessions

        user_logged_in.connect(sessions.on_login, dispatch_uid="exams-login")
        user_logged_out.connect(sessions.on_logout, dispatch_uid="exams-logout")
