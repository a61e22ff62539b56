"""``manage.py lti_rotate_keys``: a new signing key; the old one stays published until a platform
has accepted a token signed with the new one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lti import keys
from lti.models import ToolKey


class Command(BaseCommand):
    help = "Rotate the tool's signing key (the old key stays in /lti/jwks/ until the new one is in use)."

    def handle(self, *args: Any, **options: Any) -> None:
        key = keys.keys_rotate()
        published = ToolKey.objects.filter(retired_at__isnull=True).count()
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid}; {published} key(s) published at /lti/jwks/."))
