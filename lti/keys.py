"""The tool's RSA keys: generated here, the newest signs, older ones stay published until a
platform has accepted a token signed with a newer one (then nothing signed with them is in flight).
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction
from django.utils import timezone
from jwcrypto.jwk import JWK

from lti.models import ToolKey


def key_create() -> ToolKey:
    """A new 2048-bit RSA key pair; it signs from now on (it is the newest)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = JWK.from_pem(public_pem)
    public = jwk.export_public(as_dict=True)
    public.update(kid=jwk.thumbprint(), alg="RS256", use="sig")
    return ToolKey.objects.create(kid=public["kid"], private_key_pem=pem, public_jwk=public)


def key_current() -> ToolKey:
    """The signing key, made on first use."""
    key = ToolKey.objects.filter(retired_at__isnull=True).order_by("-created_at", "-pk").first()
    return key or key_create()


def keys_published() -> dict[str, Any]:
    """The JWKS document: every key that is not retired."""
    key_current()
    return {"keys": [k.public_jwk for k in ToolKey.objects.filter(retired_at__isnull=True)]}


def keys_rotate() -> ToolKey:
    """Make a new signing key; the old ones stay published until the new one is in use."""
    return key_create()


def key_mark_used(*, kid: str) -> None:
    """A platform accepted something signed with ``kid``: older keys can stop being published."""
    with transaction.atomic():
        key = ToolKey.objects.filter(kid=kid).first()
        if key is None:
            return
        now = timezone.now()
        if key.first_used_at is None:
            ToolKey.objects.filter(pk=key.pk, first_used_at__isnull=True).update(first_used_at=now)
        ToolKey.objects.filter(retired_at__isnull=True, created_at__lt=key.created_at).update(retired_at=now)
