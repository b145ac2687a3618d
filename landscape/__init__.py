"""Shared app code: read-only queries, the filter model, charts and export."""
