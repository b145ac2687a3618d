"""Filter options with how many trials each has under the other filters."""

from __future__ import annotations

import polars as pl

from landscape.axes import LIST_AXES, YEAR_AXIS
from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import bind_filters, read_filtered

# Filter field -> SQL yielding (nct_id, value) rows, one per trial and option (from the axis registry).
OPTION_SOURCES: dict[str, str] = {axis.name: axis.option_source for axis in LIST_AXES}


def count_option_trials(wh: Warehouse, filters: TrialFilters, field_name: str) -> pl.DataFrame:
    """(value, trial_count) for one filter axis, counted with that axis itself cleared."""
    template = (
        "SELECT value, count(DISTINCT nct_id) AS trial_count FROM ("
        + OPTION_SOURCES[field_name]
        + ") WHERE value IS NOT NULL GROUP BY value ORDER BY trial_count DESC, value"
    )
    return read_filtered(wh, template, filters.without(field_name))


def count_all_option_trials(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(field, value, trial_count) for every filter axis at once, each counted with its own axis
    cleared: one statement instead of one per axis, so a sidebar redraw is a single round trip."""
    parts: list[str] = []
    params: list = []
    for field_name, source in OPTION_SOURCES.items():
        bound = bind_filters(
            "SELECT ? AS field, value, count(DISTINCT nct_id) AS trial_count FROM ("
            + source
            + ") WHERE value IS NOT NULL GROUP BY value",
            filters.without(field_name),
            before=[field_name],
        )
        parts.append(bound.sql)
        params += bound.params
    return wh.query(" UNION ALL ".join(parts) + " ORDER BY field, trial_count DESC, value", params)


def list_all_options(wh: Warehouse, field_name: str) -> list[str]:
    """Every value an axis takes among the shown trials, sorted (the widget's stable option list)."""
    frame = count_option_trials(wh, TrialFilters(), field_name)
    return sorted(frame["value"].to_list(), key=str.casefold)


def count_matching_trials(wh: Warehouse, filters: TrialFilters) -> int:
    """How many shown trials match the filters."""
    return int(read_filtered(wh, "SELECT count(*) AS n FROM trials t WHERE /*filters*/", filters).item())


def read_start_year_bounds(wh: Warehouse) -> tuple[int, int] | None:
    """Earliest and latest start year among the shown trials, or None when no trial has a start."""
    frame = read_filtered(wh, YEAR_AXIS.bounds_query, TrialFilters())
    lo, hi = frame.row(0)
    return None if lo is None else (int(lo), int(hi))
