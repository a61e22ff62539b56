from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3"

    def ready(self) -> None:
        # Final scores that change anywhere (grading, override, review, regrade) reach the LMS.
        from exercises.signals import final_scores_changed
        from lti import receivers

        final_scores_changed.connect(receivers.on_final_scores_changed, dispatch_uid="lti-grades-back")
