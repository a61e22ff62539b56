from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


def _english() -> bool:
    return (get_language() or "sv").startswith("en")


@register.filter
def pick(value: Any, key: str = "") -> str:
    """The current language's text of ``{"sv": ..., "en": ...}``, or of ``key_sv``/``key_en`` in a
    mapping (a stored check result); Swedish when there is no English."""
    if not isinstance(value, dict):
        return ""
    if key:
        sv, en = value.get(f"{key}_sv", ""), value.get(f"{key}_en", "")
    else:
        sv, en = value.get("sv", ""), value.get("en", "")
    return str(en if _english() and en else sv)
