"""Queries behind the conditions page: families and entities, phases per entity, basket trials."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

OPEN = "open"


def count_trials_by_primary_condition(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(condition_family, condition_entity, trial_count) by each trial's primary condition (so every
    trial counts once and entities add up to their family)."""
    return read_filtered(
        wh,
        """SELECT e.condition_family, e.condition_entity, count(DISTINCT t.nct_id) AS trial_count
           FROM trials t JOIN trial_condition_entities e ON e.nct_id = t.nct_id AND e.is_primary
           WHERE /*filters*/
           GROUP BY ALL ORDER BY e.condition_family, trial_count DESC, e.condition_entity""",
        filters,
    )


def count_trials_by_entity(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(condition_entity, condition_family, trial_count, open_count, primary_count) for every condition a
    trial names (a basket trial counts under each of its conditions)."""
    return read_filtered(
        wh,
        """SELECT e.condition_entity, any_value(e.condition_family) AS condition_family,
                  count(DISTINCT t.nct_id) AS trial_count,
                  count(DISTINCT t.nct_id) FILTER (WHERE t.status_group = ?) AS open_count,
                  count(DISTINCT t.nct_id) FILTER (WHERE e.is_primary) AS primary_count
           FROM trials t JOIN trial_condition_entities e ON e.nct_id = t.nct_id
           WHERE /*filters*/
           GROUP BY e.condition_entity ORDER BY trial_count DESC, e.condition_entity""",
        filters,
        before=[OPEN],
    )


def count_entity_phase(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(condition_entity, phase_label, phase_rank, trial_count) for every condition a trial names."""
    return read_filtered(
        wh,
        """SELECT e.condition_entity, t.phase_label, any_value(t.phase_rank) AS phase_rank,
                  count(DISTINCT t.nct_id) AS trial_count
           FROM trials t JOIN trial_condition_entities e ON e.nct_id = t.nct_id
           WHERE /*filters*/
           GROUP BY ALL ORDER BY e.condition_entity, phase_rank""",
        filters,
    )


def list_basket_trials(wh: Warehouse, filters: TrialFilters, limit: int = 500) -> pl.DataFrame:
    """Basket trials (several diseases, or only an umbrella term) with the conditions each names."""
    return read_filtered(
        wh,
        """SELECT t.nct_id, t.brief_title, t.target, t.phase_label, t.status_group,
                  (SELECT string_agg(e.condition_entity, '; ' ORDER BY NOT e.is_primary, e.condition_entity)
                   FROM trial_condition_entities e WHERE e.nct_id = t.nct_id) AS conditions,
                  (SELECT count(*) FROM trial_condition_entities e WHERE e.nct_id = t.nct_id)
                      AS condition_count
           FROM trials t WHERE /*filters*/ AND t.is_basket
           ORDER BY condition_count DESC, t.start_date DESC NULLS LAST, t.nct_id
           LIMIT ?""",
        filters,
        after=[limit],
    )


def count_basket_condition_pairs(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(condition_a, condition_b, trial_count): which conditions basket trials combine, each pair once
    (a before b alphabetically)."""
    return read_filtered(
        wh,
        """WITH b AS (
               SELECT DISTINCT e.nct_id, e.condition_entity
               FROM trials t JOIN trial_condition_entities e ON e.nct_id = t.nct_id
               WHERE /*filters*/ AND t.is_basket)
           SELECT x.condition_entity AS condition_a, y.condition_entity AS condition_b,
                  count(*) AS trial_count
           FROM b x JOIN b y ON x.nct_id = y.nct_id AND x.condition_entity < y.condition_entity
           GROUP BY ALL ORDER BY trial_count DESC, condition_a, condition_b""",
        filters,
    )


def count_basket_trials(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials there are and how many of them are basket trials."""
    frame = read_filtered(
        wh,
        """SELECT count(*) AS trials, count(*) FILTER (WHERE t.is_basket) AS basket_trials
           FROM trials t WHERE /*filters*/""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}
