"""Queries behind the sponsors page: top sponsors, sponsor classes over time and by target and phase,
and the product pipeline."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

# Trials whose sponsor the registry does not name have no class; charts show them under this label.
NOT_STATED = "not stated"

_TOP_SPONSORS = """SELECT t.sponsor_name, mode(t.sponsor_class) AS sponsor_class, count(*) AS trial_count,
       CAST(coalesce(sum(t.enrollment_count), 0) AS BIGINT) AS planned_enrollment,
       count(t.enrollment_count) AS trials_with_enrollment
FROM trials t WHERE /*filters*/ AND t.sponsor_name IS NOT NULL
GROUP BY t.sponsor_name
ORDER BY /*order*/, t.sponsor_name
LIMIT ?"""
# One fixed template per ranking (filled once, here, with an ORDER BY: never with values).
_TOP_SPONSOR_TEMPLATES: dict[str, str] = {
    "trials": _TOP_SPONSORS.replace("/*order*/", "trial_count DESC, planned_enrollment DESC"),
    "enrollment": _TOP_SPONSORS.replace("/*order*/", "planned_enrollment DESC, trial_count DESC"),
}


def count_top_sponsors(
    wh: Warehouse, filters: TrialFilters, rank_by: str = "trials", limit: int = 15
) -> pl.DataFrame:
    """(sponsor_name, sponsor_class, trial_count, planned_enrollment, trials_with_enrollment) for the
    top sponsors, ranked by 'trials' or by planned 'enrollment'."""
    return read_filtered(wh, _TOP_SPONSOR_TEMPLATES[rank_by], filters, after=[limit])


def count_sponsor_class_by_year(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(start_year, sponsor_class, trial_count) for trials with a start date."""
    return read_filtered(
        wh,
        """SELECT year(t.start_date) AS start_year, coalesce(t.sponsor_class, ?) AS sponsor_class,
                  count(*) AS trial_count
           FROM trials t WHERE /*filters*/ AND t.start_date IS NOT NULL
           GROUP BY ALL ORDER BY start_year, sponsor_class""",
        filters,
        before=[NOT_STATED],
    )


def count_sponsor_class_by_antigen(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(antigen, sponsor_class, trial_count); a dual-target trial counts under each antigen."""
    return read_filtered(
        wh,
        """SELECT tt.antigen, coalesce(t.sponsor_class, ?) AS sponsor_class,
                  count(DISTINCT t.nct_id) AS trial_count
           FROM trials t JOIN trial_targets tt ON tt.nct_id = t.nct_id
           WHERE /*filters*/
           GROUP BY ALL ORDER BY tt.antigen, sponsor_class""",
        filters,
        before=[NOT_STATED],
    )


def count_sponsor_class_by_phase(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(phase_label, phase_rank, sponsor_class, trial_count)."""
    return read_filtered(
        wh,
        """SELECT t.phase_label, any_value(t.phase_rank) AS phase_rank,
                  coalesce(t.sponsor_class, ?) AS sponsor_class, count(*) AS trial_count
           FROM trials t WHERE /*filters*/
           GROUP BY t.phase_label, 3 ORDER BY phase_rank, t.phase_label, sponsor_class""",
        filters,
        before=[NOT_STATED],
    )


def list_product_pipeline(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """One row per named product: sponsors, target, modality, indications, furthest phase, trials."""
    return read_filtered(
        wh,
        """WITH f AS (SELECT t.* FROM trials t WHERE /*filters*/ AND t.product_name IS NOT NULL),
           ind AS (
               SELECT f.product_name,
                      string_agg(DISTINCT e.condition_entity, '; ' ORDER BY e.condition_entity) AS indications
               FROM f JOIN trial_condition_entities e ON e.nct_id = f.nct_id
               GROUP BY f.product_name)
           SELECT f.product_name,
                  string_agg(DISTINCT f.sponsor_name, '; ' ORDER BY f.sponsor_name) AS sponsors,
                  string_agg(DISTINCT f.target, '; ' ORDER BY f.target) AS targets,
                  string_agg(DISTINCT f.modality, '; ' ORDER BY f.modality) AS modalities,
                  any_value(ind.indications) AS indications,
                  arg_max(f.phase_label, f.phase_rank) AS furthest_phase,
                  max(f.phase_rank) AS furthest_rank,
                  count(*) AS trial_count,
                  string_agg(f.nct_id, '; ' ORDER BY f.nct_id) AS nct_ids
           FROM f LEFT JOIN ind ON ind.product_name = f.product_name
           GROUP BY f.product_name
           ORDER BY furthest_rank DESC, trial_count DESC, f.product_name""",
        filters,
    )
