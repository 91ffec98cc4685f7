"""API rate limits per API key and per organisation, shared by every API replica."""
