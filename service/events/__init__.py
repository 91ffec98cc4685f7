"""The event log: what the webhooks sent (or would send), readable through the API."""
