"""Queries behind the targets page: antigens by condition, emergence, constructs, modalities, products."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

OPEN = "open"
UNDISCLOSED = "undisclosed"

_MATRIX_TEMPLATE = """SELECT tt.antigen, /*condition*/ AS condition,
       any_value(e.condition_family) AS condition_family, count(DISTINCT t.nct_id) AS trial_count
FROM trials t
JOIN trial_targets tt ON tt.nct_id = t.nct_id
JOIN trial_condition_entities e ON e.nct_id = t.nct_id
WHERE /*filters*/
GROUP BY ALL ORDER BY trial_count DESC, tt.antigen, condition"""
# One fixed template per condition level (filled once, here, with a column name: never with values).
_MATRIX_TEMPLATES: dict[str, str] = {
    "entity": _MATRIX_TEMPLATE.replace("/*condition*/", "e.condition_entity"),
    "family": _MATRIX_TEMPLATE.replace("/*condition*/", "e.condition_family"),
}


def count_trials_per_antigen(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(antigen, is_caar, trial_count, open_count); a dual-target trial counts under each antigen, and
    trials naming no antigen are one 'undisclosed' row (is_caar null)."""
    return read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.status_group, t.targets FROM trials t WHERE /*filters*/)
           SELECT tt.antigen, bool_or(tt.is_caar) AS is_caar, count(DISTINCT f.nct_id) AS trial_count,
                  count(DISTINCT f.nct_id) FILTER (WHERE f.status_group = ?) AS open_count
           FROM trial_targets tt JOIN f USING (nct_id)
           GROUP BY tt.antigen
           UNION ALL
           SELECT ? AS antigen, NULL AS is_caar, count(*) AS trial_count,
                  count(*) FILTER (WHERE f.status_group = ?) AS open_count
           FROM f WHERE len(f.targets) = 0
           HAVING count(*) > 0
           ORDER BY trial_count DESC, antigen""",
        filters,
        after=[OPEN, UNDISCLOSED, OPEN],
    )


def count_target_condition_matrix(
    wh: Warehouse, filters: TrialFilters, level: str = "entity"
) -> pl.DataFrame:
    """(antigen, condition, condition_family, trial_count) for every antigen x condition pair; `level`
    is 'entity' (condition) or 'family'."""
    return read_filtered(wh, _MATRIX_TEMPLATES[level], filters)


def count_antigen_starts_by_year(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(antigen, start_year, trial_count, cumulative_trials, first_year): how each antigen emerged."""
    return read_filtered(
        wh,
        """WITH per_year AS (
               SELECT tt.antigen, year(t.start_date) AS start_year, count(DISTINCT t.nct_id) AS trial_count
               FROM trials t JOIN trial_targets tt ON tt.nct_id = t.nct_id
               WHERE /*filters*/ AND t.start_date IS NOT NULL
               GROUP BY ALL)
           SELECT antigen, start_year, trial_count,
                  CAST(sum(trial_count) OVER (PARTITION BY antigen ORDER BY start_year) AS BIGINT)
                      AS cumulative_trials,
                  min(start_year) OVER (PARTITION BY antigen) AS first_year
           FROM per_year ORDER BY antigen, start_year""",
        filters,
    )


def count_multi_target_constructs(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(target, target_values, antigen_count, trial_count, open_count) for dual and multi-target labels."""
    return read_filtered(
        wh,
        """SELECT t.target, array_to_string(any_value(t.targets), '|') AS target_values,
                  any_value(len(t.targets)) AS antigen_count, count(*) AS trial_count,
                  count(*) FILTER (WHERE t.status_group = ?) AS open_count
           FROM trials t WHERE /*filters*/ AND len(t.targets) >= 2
           GROUP BY t.target ORDER BY trial_count DESC, t.target""",
        filters,
        before=[OPEN],
    )


def count_modality_per_antigen(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(antigen, modality, trial_count)."""
    return read_filtered(
        wh,
        """SELECT tt.antigen, coalesce(t.modality, 'unclear') AS modality,
                  count(DISTINCT t.nct_id) AS trial_count
           FROM trials t JOIN trial_targets tt ON tt.nct_id = t.nct_id
           WHERE /*filters*/
           GROUP BY ALL ORDER BY tt.antigen, trial_count DESC""",
        filters,
    )


def list_products_per_target(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(antigen, product_name, furthest_phase, furthest_rank, trial_count, modalities, sponsors) for named
    products; furthest phase is the highest phase among the product's matching trials."""
    return read_filtered(
        wh,
        """SELECT tt.antigen, t.product_name,
                  arg_max(t.phase_label, t.phase_rank) AS furthest_phase, max(t.phase_rank) AS furthest_rank,
                  count(DISTINCT t.nct_id) AS trial_count,
                  string_agg(DISTINCT t.modality, '; ' ORDER BY t.modality) AS modalities,
                  string_agg(DISTINCT t.sponsor_name, '; ' ORDER BY t.sponsor_name) AS sponsors
           FROM trials t JOIN trial_targets tt ON tt.nct_id = t.nct_id
           WHERE /*filters*/ AND t.product_name IS NOT NULL
           GROUP BY ALL ORDER BY tt.antigen, furthest_rank DESC, trial_count DESC, t.product_name""",
        filters,
    )
