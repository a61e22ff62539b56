"""Worker process life cycle: announce the queues, keep a warm sandbox per pool process.

Connected from ``grader/service.py`` (the grading workers' app); the handlers only act inside a Celery worker.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery.signals import worker_process_init, worker_process_shutdown, worker_ready, worker_shutdown

logger = logging.getLogger(__name__)
_heartbeat = None


@worker_ready.connect
def _announce_queues(sender: Any = None, **_: Any) -> None:
    """Main worker process: tell the submit path which queues this worker serves."""
    global _heartbeat
    from grader.launch.routing import Heartbeat

    queues = sorted(q.name for q in sender.app.amqp.queues.consume_from.values())
    _heartbeat = Heartbeat(hostname=sender.hostname, queues=queues)
    _heartbeat.start()
    logger.info("announced queues %s as %s", queues, sender.hostname)


@worker_shutdown.connect
def _withdraw_queues(**_: Any) -> None:
    if _heartbeat is not None:
        _heartbeat.stop()


@worker_process_init.connect
def _start_warm_sandbox(**_: Any) -> None:
    """Pool process: start the fork servers now so the first submission finds TensorFlow imported.
    Only the launch happens here (worker_process_init must return within seconds); the first
    job waits for the imports if they are not done yet. It must be this thread, the one that
    grades: bwrap dies with the thread that started it."""
    if os.environ.get("QUIZ_SANDBOX", "warm") != "warm":
        return
    from grader.launch.sandbox import CHECKS, STUDENT, ForkServerDown, forkserver

    for flavour in (STUDENT, CHECKS):  # the student's jail and the teachers' checks jail
        try:
            forkserver(wait=False, flavour=flavour)
        except ForkServerDown as exc:
            logger.warning("no warm %s sandbox in this worker process, running cold: %s", flavour.name, exc)


@worker_process_shutdown.connect
def _stop_warm_sandbox(**_: Any) -> None:
    from grader.launch.sandbox import forkserver_stop

    forkserver_stop()
