"""Keeping the knowledge base current: `stackvet kb check`."""
