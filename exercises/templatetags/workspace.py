"""Template helpers of the exercise workspace: numbered code, and what a check points at."""

from __future__ import annotations

import re

from django import template

register = template.Library()

# A check's message that names a line of the student's code or a layer of their model: the
# workspace turns it into a link to that line in the editor, or to that row of the layer table.
LINE = re.compile(r"\b(?:rad|line|raden|rader|lines?)\s+(\d{1,5})\b", re.IGNORECASE)
LAYER = re.compile(r"\b(?:lager|layer)\s+(\d{1,4})\b", re.IGNORECASE)


@register.filter
def code_lines(text: str) -> list[str]:
    """The lines of a submitted text, for a listing with line numbers (an empty text has one)."""
    return (text or "").split("\n")


@register.simple_tag
def check_targets(message: str, error_line: int | None = None) -> dict[str, int | None]:
    """The line and the layer a check's message points at (first of each), if any."""
    line = LINE.search(message or "")
    layer = LAYER.search(message or "")
    return {
        "line": int(line.group(1)) if line else error_line,
        "layer": int(layer.group(1)) if layer else None,
    }
