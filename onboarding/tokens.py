"""Set-password links of invitations.

Django's password-reset token expires after PASSWORD_RESET_TIMEOUT, one setting for every token;
an invitation must live longer (a class is invited a week before it starts) than a reset link
(hours). So an invitation token is a timestamped signature (django.core.signing) over a digest of
the account's state (its password hash, last login and email): it expires after
QUIZ_INVITATION_DAYS, and it stops working as soon as the password is set, like a reset token.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User

SALT = "onboarding.invitation"


def _state(user: User) -> str:
    login = "" if user.last_login is None else user.last_login.replace(microsecond=0, tzinfo=None).isoformat()
    return salted_hmac(SALT, f"{user.pk}|{user.password}|{login}|{user.email}").hexdigest()[:32]


class InvitationTokenGenerator:
    """The interface of Django's PasswordResetTokenGenerator, so its confirm view can use it."""

    def make_token(self, user: User) -> str:
        return signing.TimestampSigner(salt=SALT).sign(_state(user))

    def check_token(self, user: User | None, token: str | None) -> bool:
        if not (user and token):
            return False
        try:
            state = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.QUIZ_INVITATION_DAYS * 86400)
        except signing.BadSignature:  # also SignatureExpired
            return False
        return constant_time_compare(state, _state(user))


invitation_token_generator = InvitationTokenGenerator()
