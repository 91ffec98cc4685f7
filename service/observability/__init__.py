"""Operating the service: Prometheus metrics, structured logs, optional tracing."""
