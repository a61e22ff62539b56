"""Signal receivers: a final score that changed is sent to the LMS."""

from __future__ import annotations

from typing import Any


def on_final_scores_changed(sender: Any, submission_ids: list[int], **kwargs: Any) -> None:
    from lti.services import grades_request

    grades_request(submission_ids=list(submission_ids))
