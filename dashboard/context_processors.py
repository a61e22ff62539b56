from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from exercises.selectors import courses_taught


def staff(request: HttpRequest) -> dict[str, Callable[[], bool]]:
    """``user_teaches_any`` for the header's dashboard link; a callable, so the query runs only
    on pages that render it, once the user is known to be logged in."""

    def teaches_any() -> bool:
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_authenticated and courses_taught(user=user).exists())

    def outbox() -> bool:
        from onboarding.selectors import mail_outbox_enabled

        return mail_outbox_enabled()

    return {"user_teaches_any": teaches_any, "mail_outbox_enabled": outbox}
