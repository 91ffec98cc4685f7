"""Soft deletion of vendors, clients and assessments: tombstones that sync returns, restorable
for 30 days."""
