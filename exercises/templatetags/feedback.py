"""Server-side rendering helpers for grading feedback: the learning-curve chart as inline SVG.

No JavaScript and no CDN: the chart is a few polylines computed here from the numbers the
grader stored in ``Submission.feedback["curves"]``.
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

WIDTH, HEIGHT, PAD = 480, 200, 30


def _scale(values: list[float], low: float, high: float, count: int) -> str:
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD):.1f}" for i, v in enumerate(values)
    )


@register.simple_tag
def learning_curve(curves: Any) -> dict[str, Any]:
    """Polyline points for loss and val_loss, and the x position of the best epoch."""
    if not isinstance(curves, dict):
        return {}
    series = {}
    for key in ("loss", "val_loss"):
        values = curves.get(key)
        if isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            series[key] = [float(v) for v in values]
    if not series.get("loss"):
        return {}
    count = max(len(v) for v in series.values())
    every = [v for values in series.values() for v in values]
    low, high = min(every), max(every)
    best = curves.get("best_epoch")
    step = (WIDTH - 2 * PAD) / max(count - 1, 1)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "pad": PAD,
        "loss": _scale(series["loss"], low, high, count),
        "val_loss": _scale(series["val_loss"], low, high, count) if series.get("val_loss") else "",
        "best_x": f"{PAD + best * step:.1f}" if type(best) is int and 0 <= best < count else "",
        "best_epoch": best + 1 if type(best) is int else None,
        "epochs": count,
        "low": f"{low:.3g}",
        "high": f"{high:.3g}",
    }
