"""Filter options with how many trials each has under the other filters."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import bind_filters, read_filtered

# Filter field -> SQL expression yielding one option value per row (UNNEST for list columns).
OPTION_SOURCES: dict[str, str] = {
    "targets": "SELECT t.nct_id, unnest(t.targets) AS value FROM trials t WHERE /*filters*/",
    "constructs": "SELECT t.nct_id, t.target AS value FROM trials t WHERE /*filters*/",
    "modalities": "SELECT t.nct_id, t.modality AS value FROM trials t WHERE /*filters*/",
    "condition_families": (
        "SELECT DISTINCT t.nct_id, e.condition_family AS value FROM trials t"
        " JOIN trial_condition_entities e USING (nct_id) WHERE /*filters*/"
    ),
    "condition_entities": (
        "SELECT DISTINCT t.nct_id, e.condition_entity AS value FROM trials t"
        " JOIN trial_condition_entities e USING (nct_id) WHERE /*filters*/"
    ),
    "sponsors": "SELECT t.nct_id, t.sponsor_name AS value FROM trials t WHERE /*filters*/",
    "sponsor_classes": "SELECT t.nct_id, t.sponsor_class AS value FROM trials t WHERE /*filters*/",
    "phases": "SELECT t.nct_id, t.phase_label AS value FROM trials t WHERE /*filters*/",
    "status_groups": "SELECT t.nct_id, t.status_group AS value FROM trials t WHERE /*filters*/",
    "countries": "SELECT t.nct_id, unnest(t.countries) AS value FROM trials t WHERE /*filters*/",
    "products": "SELECT t.nct_id, t.product_name AS value FROM trials t WHERE /*filters*/",
}


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
    frame = read_filtered(
        wh,
        "SELECT min(year(t.start_date)) AS lo, max(year(t.start_date)) AS hi FROM trials t WHERE /*filters*/",
        TrialFilters(),
    )
    lo, hi = frame.row(0)
    return None if lo is None else (int(lo), int(hi))
