"""Serving a report to a waiting request without holding the database while it renders.

The request takes its place in the render queue (`RenderQueue.reserve`: bounded and fair,
else 503 with Retry-After) as soon as it knows no stored PDF will do, before it loads what
the report needs and makes its HTML in its unit of work; it then commits that unit of work
(connection and slot back to the pool), waits for its turn for a render worker on the event
loop, and stores the PDF in a short transaction of its own. Sixty concurrent downloads of
unrendered reports used to hold sixty connections while they waited for two render workers,
and every other request queued behind them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from service.dependencies import end_unit_of_work, in_own_unit_of_work
from service.reporting import service as report_service
from service.reporting.queue import RenderQueue

Prepare = Callable[[report_service.Admission], report_service.Report | report_service.Pending]
"""Prepares a report in the request's unit of work (in a thread), calling the admission it
is given before it loads what a render needs."""


async def download(
    request: Request, organisation_id: uuid.UUID, prepare: Prepare
) -> report_service.Report:
    """The stored report, or one rendered now: `prepare` runs in the thread pool with an
    admission that reserves this request's place in the render queue; the place is given
    back whatever happens (stored copy found after all, an error, a client gone)."""
    queue: RenderQueue = request.app.state.render_queue
    place = queue.place(organisation_id)
    try:
        prepared = await run_in_threadpool(prepare, lambda: queue.reserve(place))
        if isinstance(prepared, report_service.Report):
            return prepared
        await end_unit_of_work(request)
        rendered = await queue.run_reserved(place, lambda: report_service.render(prepared))
        return await in_own_unit_of_work(
            request, lambda session: report_service.store(session, prepared, rendered)
        )
    finally:
        queue.cancel(place)
