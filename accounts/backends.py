from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User


class UsernameOrEmailBackend(ModelBackend):
    """Log in with a username or with an email address.

    An address logs in only when exactly one account has it (addresses are not unique in
    Django's user model: two accounts sharing one must use their usernames). A username is tried
    first, so a username that contains '@' still works.
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None or not username or "@" not in username:
            return user
        matches = list(User.objects.filter(email__iexact=username.strip())[:2])
        if len(matches) != 1:
            User().set_password(password)  # the same time as a wrong password (no account timing oracle)
            return None
        candidate = matches[0]
        if password is not None and candidate.check_password(password) and self.user_can_authenticate(candidate):
            return candidate
        return None
