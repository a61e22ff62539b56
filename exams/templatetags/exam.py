from __future__ import annotations

from typing import Any

from django import template

from exams.feedback import Feedback, submission_feedback
from exams.selectors import countdown_for

register = template.Library()


@register.filter
def exam_feedback(submission: Any) -> Feedback:
    return submission_feedback(submission)


@register.inclusion_tag("exams/_countdown.html", takes_context=True)
def exam_countdown(context: dict[str, Any], item: Any) -> dict[str, Any]:
    request = context["request"]
    return {"countdown": countdown_for(item=item, user=request.user), "item": item}


@register.filter
def attr_show_status(feedback: Feedback) -> bool:
    return feedback.show_status


@register.filter
def attr_hidden(feedback: Feedback) -> bool:
    return feedback.hidden


@register.simple_tag
def exam_settings_form(assessment: Any) -> Any:
    from exams.forms import ExamSettingsForm
    from exams.models import ExamSettings

    instance = ExamSettings.objects.filter(assessment=assessment).first() or ExamSettings(assessment=assessment)
    return ExamSettingsForm(instance=instance)


@register.simple_tag
def exam_verdict(submission: Any) -> dict[str, Any]:
    feedback = submission_feedback(submission)
    return {
        "verdict": feedback.verdict(submission),
        "text": feedback.verdict_text(submission),
        "release_at": feedback.release_at,
    }
