import markdown as md
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render prompt Markdown, then sanitise: content is trusted, but never blindly."""
    html = md.markdown(text or "", extensions=["fenced_code", "tables"])
    return mark_safe(nh3.clean(html))  # noqa: S308 - sanitised by nh3 just above
