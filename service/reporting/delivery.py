"""Serving a report to a waiting request without holding the database while it renders.

The request loads what the report needs and makes its HTML in its unit of work, commits it
(connection and slot back to the pool), waits its turn for a render worker on the event loop
(`RenderQueue`: bounded and fair, else 503 with Retry-After), then stores the PDF in a short
transaction of its own. Sixty concurrent downloads of unrendered reports used to hold sixty
connections while they waited for two render workers, and every other request queued behind
them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import Request

from service.dependencies import end_unit_of_work, in_own_unit_of_work
from service.reporting import service as report_service
from service.reporting.queue import RenderQueue


def admission(request: Request, organisation_id: uuid.UUID) -> Callable[[], None]:
    """For `prepare_*_report`: refuse a render the queue has no room for before its HTML is
    made."""
    queue: RenderQueue = request.app.state.render_queue
    return lambda: queue.check(organisation_id)


async def deliver(
    request: Request, prepared: report_service.Report | report_service.Pending
) -> report_service.Report:
    if isinstance(prepared, report_service.Report):
        return prepared
    await end_unit_of_work(request)
    queue: RenderQueue = request.app.state.render_queue
    rendered = await queue.run(prepared.organisation_id, lambda: report_service.render(prepared))
    return await in_own_unit_of_work(
        request, lambda session: report_service.store(session, prepared, rendered)
    )
