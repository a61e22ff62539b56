"""Email settings from the environment.

``EMAIL_URL`` in one variable (``smtp://user:password@host:587?tls=1``, ``smtps://…:465``,
``file:///path``, ``console:``, ``locmem:``), or ``EMAIL_BACKEND`` (``smtp``, ``file``,
``console``, ``locmem`` or a dotted path) with Django's ``EMAIL_HOST``, ``EMAIL_PORT``,
``EMAIL_HOST_USER``, ``EMAIL_HOST_PASSWORD``, ``EMAIL_USE_TLS``/``EMAIL_USE_SSL``,
``EMAIL_FILE_PATH``. Default: SMTP in production, files under ``var/mail/`` otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from quizplatform.env import envbool, envint, envstr

BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}


def email_settings(*, production: bool, var_dir: Path) -> dict[str, Any]:
    default_path = str(var_dir / "mail")
    url = envstr("EMAIL_URL", "")
    if url:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in BACKENDS:
            raise ImproperlyConfigured(f"EMAIL_URL scheme must be one of {sorted(BACKENDS)}, got {scheme!r}")
        query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
        return {
            "EMAIL_BACKEND": BACKENDS[scheme],
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps" or query.get("ssl") in {"1", "true"},
            "EMAIL_USE_TLS": query.get("tls") in {"1", "true"},
            "EMAIL_FILE_PATH": parts.path if scheme == "file" and parts.path else default_path,
        }
    backend = envstr("EMAIL_BACKEND", "smtp" if production else "file")
    return {
        "EMAIL_BACKEND": BACKENDS.get(backend, backend),
        "EMAIL_HOST": envstr("EMAIL_HOST", "localhost"),
        "EMAIL_PORT": envint("EMAIL_PORT", 25),
        "EMAIL_HOST_USER": envstr("EMAIL_HOST_USER", ""),
        "EMAIL_HOST_PASSWORD": envstr("EMAIL_HOST_PASSWORD", ""),
        "EMAIL_USE_TLS": envbool("EMAIL_USE_TLS", False),
        "EMAIL_USE_SSL": envbool("EMAIL_USE_SSL", False),
        "EMAIL_FILE_PATH": envstr("EMAIL_FILE_PATH", default_path),
    }
