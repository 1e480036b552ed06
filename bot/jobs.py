"""Scheduled jobs, as APScheduler 3 stores them: module-level functions taking ids only.

APScheduler pickles each job into the database (a reference to the function and its
arguments), so a job can name nothing but plain ids; it finds the running application through
`RUNNING`, which the scheduler sets while it is leader in this process. That is the one piece
of process-wide state, and it exists because a pickled job cannot carry an application.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.maintenance import Maintenance

log = logging.getLogger("compact.jobs")


class _Running:
    app: Maintenance | None = None


RUNNING = _Running()


async def weekly_digest(partnership_id: int) -> None:
    """The partnership's digest for the week that just ended (or, on a later weekday, the
    week so far); exactly once per period, however often it is called."""
    app = RUNNING.app
    if app is None:
        log.error("digest job for partnership %d ran with no application", partnership_id)
        return
    await app.send_scheduled_digest(partnership_id)
