"""Queries behind Data & methods: where the data came from, the inclusion ledger, what each table holds."""

from __future__ import annotations

import json

import polars as pl

from landscape.db import Warehouse


def read_refreshes(wh: Warehouse) -> pl.DataFrame:
    """Every load of the database, newest first."""
    return wh.query("SELECT * FROM refreshes ORDER BY refresh_id DESC")


def read_latest_refresh(wh: Warehouse) -> dict[str, object]:
    """The newest load (source, query, data_timestamp, fetched_at ...), or {} for a database without one."""
    frame = read_refreshes(wh)
    return frame.row(0, named=True) if frame.height else {}


def read_inclusion_ledger(wh: Warehouse) -> pl.DataFrame:
    """(stage, reason, trial_count) in the order the ETL wrote them."""
    return wh.query("SELECT stage, reason, trial_count FROM inclusion_ledger")


def list_tables(wh: Warehouse) -> pl.DataFrame:
    """(table, rows, description) for every table in the warehouse; descriptions are the comments the
    loader wrote from the contract (etl/schema.py)."""
    return wh.query(
        """SELECT table_name AS "table", estimated_size AS rows, coalesce(comment, '') AS description
           FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name"""
    )


def list_columns(wh: Warehouse) -> pl.DataFrame:
    """(table, column, type, description) for every column in the warehouse, meanings from its comments."""
    return wh.query(
        """SELECT table_name AS "table", column_name AS "column", data_type AS type,
                  coalesce(comment, '') AS description
           FROM duckdb_columns() WHERE database_name = current_database()
           ORDER BY table_name, column_index"""
    )


def describe_query(query: object) -> str:
    """The search a load used: a live pull stores its request parameters as JSON, from which the search
    term is shown; any other text is shown as it is."""
    text = "unknown" if query is None else str(query)
    if text.startswith("{"):
        try:
            params = json.loads(text)
        except ValueError:
            return text
        if isinstance(params, dict) and "query.term" in params:
            return str(params["query.term"])
    return text
