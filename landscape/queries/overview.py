"""Queries behind the overview page: headline numbers and simple distributions."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered


def count_trials(wh: Warehouse, filters: TrialFilters) -> int:
    """How many shown trials match the filters."""
    return int(read_filtered(wh, "SELECT count(*) AS n FROM trials t WHERE /*filters*/", filters).item())


def count_trials_by_status(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(status_group, trial_count) for the matching trials."""
    return read_filtered(
        wh,
        """SELECT t.status_group, count(*) AS trial_count
           FROM trials t WHERE /*filters*/
           GROUP BY ALL ORDER BY trial_count DESC""",
        filters,
    )


def count_trial_starts_by_year(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(start_year, trial_count) for matching trials with a start date."""
    return read_filtered(
        wh,
        """SELECT year(t.start_date) AS start_year, count(*) AS trial_count
           FROM trials t WHERE /*filters*/ AND t.start_date IS NOT NULL
           GROUP BY ALL ORDER BY start_year""",
        filters,
    )
