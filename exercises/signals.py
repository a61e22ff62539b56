"""Signals that other apps listen to, so that exercises does not import them.

``final_scores_changed`` is sent after the transaction that changed the final score (or its
review state) of some submissions has committed; ``submission_ids`` lists them.
"""

from django.dispatch import Signal

final_scores_changed = Signal()
