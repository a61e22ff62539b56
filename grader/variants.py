"""Per-student variants: parameters drawn once per (student, item), shown in the prompt, used by
the checks and the reference solution.

An item declares them in item.yaml::

    variants:
      units: [32, 64, 128]
      rate: [0.2, 0.3, 0.4]

The draw is an HMAC of the server's secret, the user id, the item slug and the parameter name:
deterministic (the same student always gets the same values, also after a restart), different
between neighbours, and not computable by a student who does not know the secret. No database
row is needed to reproduce it; the submission still records the variant it was graded with.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _choices(spec: dict[str, Any]) -> dict[str, list[Any]]:
    return {str(k): list(v) for k, v in sorted((spec or {}).items()) if isinstance(v, list) and v}


def draw(spec: dict[str, Any], *, secret: str, user_id: int, slug: str) -> dict[str, Any]:
    """The student's values: one choice per parameter, picked by HMAC-SHA256."""
    variant = {}
    for name, options in _choices(spec).items():
        digest = hmac.new(secret.encode(), f"{user_id}:{slug}:{name}".encode(), hashlib.sha256).digest()
        variant[name] = options[int.from_bytes(digest[:8], "big") % len(options)]
    return variant


def default(spec: dict[str, Any]) -> dict[str, Any]:
    """The first value of each parameter: what ``manage.py grade`` uses unless told otherwise."""
    return {name: options[0] for name, options in _choices(spec).items()}


def every(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """All combinations (for tests: the reference solution must pass each one)."""
    choices = _choices(spec)
    return [dict(zip(choices, values, strict=True)) for values in itertools.product(*choices.values())]


def validate(spec: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """A variant given by hand (``--variant``) must name the item's parameters with allowed values."""
    choices = _choices(spec)
    unknown = set(variant) - set(choices)
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    full = default(spec) | variant
    for name, value in full.items():
        if value not in choices[name]:
            raise ValueError(f"{name} must be one of {choices[name]}")
    return full


def render(text: str, variant: dict[str, Any]) -> str:
    """``{{ name }}`` replaced by the student's value; unknown names are left as written."""
    return PLACEHOLDER.sub(lambda m: str(variant[m.group(1)]) if m.group(1) in variant else m.group(0), text)
