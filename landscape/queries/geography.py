"""Queries behind the geography page: trials and sites per country, site locations, country x target."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered


def count_trials_per_country(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(country, trial_count, site_count, sites_with_coordinates); a multinational trial counts in each
    of its countries."""
    return read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.countries FROM trials t WHERE /*filters*/),
           per_trial AS (SELECT DISTINCT nct_id, unnest(countries) AS country FROM f),
           trials_per AS (SELECT country, count(*) AS trial_count FROM per_trial GROUP BY country),
           sites_per AS (
               SELECT s.country, count(*) AS site_count, count(s.latitude) AS sites_with_coordinates
               FROM trial_sites s SEMI JOIN f ON f.nct_id = s.nct_id
               WHERE s.country IS NOT NULL GROUP BY s.country)
           SELECT coalesce(tp.country, sp.country) AS country, coalesce(tp.trial_count, 0) AS trial_count,
                  coalesce(sp.site_count, 0) AS site_count,
                  coalesce(sp.sites_with_coordinates, 0) AS sites_with_coordinates
           FROM trials_per tp FULL JOIN sites_per sp ON sp.country = tp.country
           ORDER BY trial_count DESC, site_count DESC, country""",
        filters,
    )


def read_location_coverage(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials name a country, and how many of their sites carry coordinates."""
    frame = read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.countries FROM trials t WHERE /*filters*/)
           SELECT (SELECT count(*) FROM f) AS trials,
                  (SELECT count(*) FROM f WHERE len(countries) > 0) AS trials_with_country,
                  count(*) AS sites, count(s.latitude) AS sites_with_coordinates
           FROM trial_sites s SEMI JOIN f ON f.nct_id = s.nct_id""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}


def list_site_points(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(latitude, longitude, city, country, site_count, trial_count) for sites with coordinates, merged
    when they share a place (coordinates rounded to 0.01 degree, about 1 km)."""
    return read_filtered(
        wh,
        """SELECT round(s.latitude, 2) AS latitude, round(s.longitude, 2) AS longitude,
                  any_value(s.city) AS city, any_value(s.country) AS country,
                  count(*) AS site_count, count(DISTINCT s.nct_id) AS trial_count
           FROM trial_sites s JOIN trials t ON t.nct_id = s.nct_id
           WHERE /*filters*/ AND s.latitude IS NOT NULL AND s.longitude IS NOT NULL
           GROUP BY 1, 2 ORDER BY site_count DESC""",
        filters,
    )


def count_unplaced_trials_per_country(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(country, trial_count) for trials with no site coordinates in that country: the map draws them at
    the country's centre."""
    return read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.countries FROM trials t WHERE /*filters*/),
           per_trial AS (SELECT DISTINCT nct_id, unnest(countries) AS country FROM f),
           placed AS (
               SELECT DISTINCT s.nct_id, s.country FROM trial_sites s
               WHERE s.latitude IS NOT NULL AND s.longitude IS NOT NULL)
           SELECT p.country, count(*) AS trial_count
           FROM per_trial p ANTI JOIN placed pl ON pl.nct_id = p.nct_id AND pl.country = p.country
           GROUP BY p.country ORDER BY trial_count DESC, p.country""",
        filters,
    )


def count_country_antigen(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(country, antigen, trial_count)."""
    return read_filtered(
        wh,
        """WITH f AS (
               SELECT DISTINCT t.nct_id, unnest(t.countries) AS country FROM trials t WHERE /*filters*/)
           SELECT f.country, tt.antigen, count(DISTINCT f.nct_id) AS trial_count
           FROM f JOIN trial_targets tt ON tt.nct_id = f.nct_id
           GROUP BY ALL ORDER BY trial_count DESC, f.country, tt.antigen""",
        filters,
    )
