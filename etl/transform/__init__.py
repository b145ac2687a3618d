"""Transform: pure functions from raw API v2 records to normalized Polars tables."""
