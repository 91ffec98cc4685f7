"""`GET /metrics`: Prometheus text exposition, outside the API key (like the health probes).

Not mounted when metrics are disabled or served on their own port (STACKVET_METRICS_PORT).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from service.observability import metrics

router = APIRouter(tags=["Health"])


@router.get("/metrics", include_in_schema=False, response_class=Response)
def get_metrics(request: Request) -> Response:
    """Prometheus metrics of this process (all processes' in multiprocess mode)."""
    content = metrics.exposition(request.app.state.scrape_collectors)
    return Response(content, media_type=CONTENT_TYPE_LATEST)
