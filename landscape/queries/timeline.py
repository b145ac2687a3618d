"""Queries behind the timeline page: each trial's span from start to planned completion."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

_SPANS = """SELECT t.nct_id, t.brief_title, /*group*/ AS group_label, /*values*/ AS group_values,
       t.start_date, coalesce(t.completion_date, t.primary_completion_date) AS finish_date,
       t.completion_date IS NOT NULL AS finish_is_study_completion,
       t.phase_label, t.status_group, t.sponsor_name
FROM trials t WHERE /*filters*/ AND t.start_date IS NOT NULL
ORDER BY t.start_date DESC, t.nct_id
LIMIT ?"""
# One fixed template per grouping (filled once, here, with column expressions: never with values).
# group_values holds the filter values a group stands for ('|'-separated), for drill-down.
_SPAN_TEMPLATES: dict[str, str] = {
    "target": _SPANS.replace("/*group*/", "t.target").replace(
        "/*values*/", "array_to_string(t.targets, '|')"
    ),
    "condition_family": _SPANS.replace("/*group*/", "coalesce(t.condition_family, 'other')").replace(
        "/*values*/", "t.condition_family"
    ),
    "condition_entity": _SPANS.replace("/*group*/", "coalesce(t.condition_entity, 'unclassified')").replace(
        "/*values*/", "t.condition_entity"
    ),
}
GROUPINGS: tuple[str, ...] = tuple(_SPAN_TEMPLATES)


def list_trial_spans(
    wh: Warehouse, filters: TrialFilters, group_by: str = "target", limit: int = 300
) -> pl.DataFrame:
    """The most recently started matching trials with their start, planned completion (study completion,
    else primary completion) and group (target label, condition family or primary condition)."""
    return read_filtered(wh, _SPAN_TEMPLATES[group_by], filters, after=[limit])


def count_span_coverage(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials have a start date, and how many of those a planned completion."""
    frame = read_filtered(
        wh,
        """SELECT count(*) AS trials, count(t.start_date) AS with_start,
                  count(*) FILTER (WHERE t.start_date IS NOT NULL
                                   AND coalesce(t.completion_date, t.primary_completion_date) IS NOT NULL)
                      AS with_start_and_finish
           FROM trials t WHERE /*filters*/""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}
