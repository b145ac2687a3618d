"""Queries behind the phases & status page: phase x status, status by start year, stalled trials,
planned completions and enrollment per phase."""

from __future__ import annotations

import datetime

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

# The data date: the latest refresh's data timestamp (its first ten characters, YYYY-MM-DD), else when
# it was fetched or loaded (an import from files knows no registry timestamp).
_DATA_DATE = """(SELECT coalesce(try_cast(left(data_timestamp, 10) AS DATE),
                          try_cast(left(fetched_at, 10) AS DATE),
                          try_cast(left(loaded_at, 10) AS DATE))
                 FROM refreshes ORDER BY refresh_id DESC LIMIT 1)"""


def read_data_date(wh: Warehouse) -> datetime.date | None:
    """The date the data describes (the latest refresh's data timestamp), or None when unknown."""
    value = wh.query("SELECT " + _DATA_DATE + " AS data_date").item()
    return value if isinstance(value, datetime.date) else None


def count_phase_status(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(phase_label, phase_rank, status_group, trial_count)."""
    return read_filtered(
        wh,
        """SELECT t.phase_label, any_value(t.phase_rank) AS phase_rank, t.status_group,
                  count(*) AS trial_count
           FROM trials t WHERE /*filters*/
           GROUP BY t.phase_label, t.status_group ORDER BY phase_rank, t.phase_label, t.status_group""",
        filters,
    )


def count_status_by_start_year(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(start_year, status_group, trial_count) for trials with a start date."""
    return read_filtered(
        wh,
        """SELECT year(t.start_date) AS start_year, t.status_group, count(*) AS trial_count
           FROM trials t WHERE /*filters*/ AND t.start_date IS NOT NULL
           GROUP BY ALL ORDER BY start_year, t.status_group""",
        filters,
    )


def list_stalled_trials(wh: Warehouse, filters: TrialFilters, limit: int = 500) -> pl.DataFrame:
    """Trials still recruiting three or more years after their start, longest-running first."""
    return read_filtered(
        wh,
        """SELECT t.nct_id, t.brief_title, t.target, t.sponsor_name, t.phase_label, t.overall_status,
                  t.start_date,
                  round(date_diff('day', t.start_date, coalesce("""
        + _DATA_DATE
        + """, current_date))
                        / 365.25, 1) AS years_since_start
           FROM trials t WHERE /*filters*/ AND t.is_stalled
           ORDER BY t.start_date, t.nct_id LIMIT ?""",
        filters,
        after=[limit],
    )


def count_completions_by_year(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(completion_year, status_group, trial_count) by planned (or actual) study completion date."""
    return read_filtered(
        wh,
        """SELECT year(t.completion_date) AS completion_year, t.status_group, count(*) AS trial_count
           FROM trials t WHERE /*filters*/ AND t.completion_date IS NOT NULL
           GROUP BY ALL ORDER BY completion_year, t.status_group""",
        filters,
    )


def read_enrollment_stats_by_phase(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(phase_label, phase_rank, n, lo, q1, median, q3, hi, total) of registered enrollment per phase,
    computed in the database so the chart never needs one row per trial."""
    return read_filtered(
        wh,
        """SELECT t.phase_label, any_value(t.phase_rank) AS phase_rank, count(*) AS n,
                  min(t.enrollment_count) AS lo,
                  quantile_cont(t.enrollment_count, 0.25) AS q1,
                  quantile_cont(t.enrollment_count, 0.5) AS median,
                  quantile_cont(t.enrollment_count, 0.75) AS q3,
                  max(t.enrollment_count) AS hi,
                  CAST(sum(t.enrollment_count) AS BIGINT) AS total
           FROM trials t WHERE /*filters*/ AND t.enrollment_count IS NOT NULL
           GROUP BY t.phase_label ORDER BY phase_rank, t.phase_label""",
        filters,
    )


def count_span_coverage(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials state a start date, a completion date, an enrollment."""
    frame = read_filtered(
        wh,
        """SELECT count(*) AS trials, count(t.start_date) AS with_start,
                  count(t.completion_date) AS with_completion, count(t.enrollment_count) AS with_enrollment,
                  count(*) FILTER (WHERE t.is_stalled) AS stalled
           FROM trials t WHERE /*filters*/""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}
