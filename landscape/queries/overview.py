"""Queries behind the overview page: headline numbers and the main distributions."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.shaping import lump_small_groups
from landscape.queries.where import read_filtered


def count_trials(wh: Warehouse, filters: TrialFilters) -> int:
    """How many shown trials match the filters."""
    return int(read_filtered(wh, "SELECT count(*) AS n FROM trials t WHERE /*filters*/", filters).item())


def read_headline_numbers(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """Trials, open trials, planned enrollment, countries, sponsors and target antigens, with how many
    trials state each underlying field (the snapshot leaves many fields empty)."""
    frame = read_filtered(
        wh,
        """WITH f AS (SELECT t.* FROM trials t WHERE /*filters*/)
           SELECT count(*) AS trials,
                  count(*) FILTER (WHERE status_group = ?) AS open_trials,
                  coalesce(sum(enrollment_count), 0) AS planned_enrollment,
                  count(enrollment_count) AS trials_with_enrollment,
                  (SELECT count(DISTINCT c) FROM (SELECT unnest(countries) AS c FROM f)) AS countries,
                  count(*) FILTER (WHERE len(countries) > 0) AS trials_with_country,
                  count(DISTINCT sponsor_name) AS sponsors,
                  count(sponsor_name) AS trials_with_sponsor,
                  (SELECT count(DISTINCT antigen) FROM trial_targets tt
                    WHERE tt.nct_id IN (SELECT nct_id FROM f)) AS targets,
                  count(*) FILTER (WHERE len(targets) > 0) AS trials_with_target
           FROM f""",
        filters,
        after=["open"],
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}


def count_trials_by_status(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(status_group, trial_count) for the matching trials."""
    return read_filtered(
        wh,
        """SELECT t.status_group, count(*) AS trial_count
           FROM trials t WHERE /*filters*/
           GROUP BY ALL ORDER BY trial_count DESC""",
        filters,
    )


def count_trials_by_phase(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(phase_label, phase_rank, trial_count) in phase order ('Not stated', 'Not applicable' first)."""
    return read_filtered(
        wh,
        """SELECT t.phase_label, any_value(t.phase_rank) AS phase_rank, count(*) AS trial_count
           FROM trials t WHERE /*filters*/
           GROUP BY t.phase_label ORDER BY phase_rank, t.phase_label""",
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


def count_trial_starts_by_year_and_target(
    wh: Warehouse, filters: TrialFilters, keep: int = 8
) -> pl.DataFrame:
    """(start_year, target, target_values, trial_count): the `keep` most common target labels, the rest
    as 'other'. target_values repeats the label for drill-down to that exact construct ('' for other)."""
    frame = read_filtered(
        wh,
        """SELECT year(t.start_date) AS start_year, t.target,
                  t.target AS target_values, count(*) AS trial_count
           FROM trials t WHERE /*filters*/ AND t.start_date IS NOT NULL
           GROUP BY ALL ORDER BY start_year, t.target""",
        filters,
    )
    return lump_small_groups(frame, "target", "trial_count", keep, drill="target_values").select(
        "start_year", "target", "target_values", "trial_count"
    )


def count_trials_by_condition(wh: Warehouse, filters: TrialFilters, limit: int = 12) -> pl.DataFrame:
    """(condition_entity, condition_family, trial_count) for the most frequent conditions; a trial
    naming several conditions counts under each."""
    return read_filtered(
        wh,
        """SELECT e.condition_entity, any_value(e.condition_family) AS condition_family,
                  count(DISTINCT e.nct_id) AS trial_count
           FROM trial_condition_entities e JOIN trials t USING (nct_id)
           WHERE /*filters*/
           GROUP BY e.condition_entity ORDER BY trial_count DESC, e.condition_entity LIMIT ?""",
        filters,
        after=[limit],
    )


def list_recently_updated_trials(wh: Warehouse, filters: TrialFilters, limit: int = 10) -> pl.DataFrame:
    """The most recently updated matching trials: registry last-update date, then start date, newest first."""
    return read_filtered(
        wh,
        """SELECT t.nct_id, t.brief_title, t.target, t.phase_label, t.status_group,
                  t.last_update_date, t.start_date
           FROM trials t WHERE /*filters*/
           ORDER BY t.last_update_date DESC NULLS LAST, t.start_date DESC NULLS LAST, t.nct_id DESC
           LIMIT ?""",
        filters,
        after=[limit],
    )
