"""Queries behind the eligibility page: thresholds per measure, age windows and criteria side by side.

Which trials would admit a given patient is the one admission rule in `admission.py`."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.eligibility_options import describe_requirement, format_number, read_measure_labels
from landscape.queries.where import read_filtered

ADULT_AGE = 18.0


def _add_requirement_label(frame: pl.DataFrame, with_unit: bool = False) -> pl.DataFrame:
    labels = [
        describe_requirement(lo, lo_inc, hi, hi_inc, unit if with_unit else None)
        for lo, lo_inc, hi, hi_inc, unit in frame.select(
            "min_value", "min_inclusive", "max_value", "max_inclusive", "unit"
        ).iter_rows()
    ]
    return frame.with_columns(pl.Series("requirement", labels, dtype=pl.String))


def count_trials_per_measure(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(measure, unit, label, trial_count): how many matching trials state a limit on each measure."""
    frame = read_filtered(
        wh,
        """SELECT r.measure, any_value(r.unit) AS unit, count(DISTINCT r.nct_id) AS trial_count
           FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE /*filters*/
           GROUP BY r.measure ORDER BY trial_count DESC, r.measure""",
        filters,
    )
    labels = read_measure_labels(wh)
    label = pl.col("measure").replace_strict(labels, default=pl.col("measure"), return_dtype=pl.String)
    return frame.with_columns(label.alias("label")).select("measure", "unit", "label", "trial_count")


def count_requirement_thresholds(wh: Warehouse, filters: TrialFilters, measure: str) -> pl.DataFrame:
    """(requirement, min_value, min_inclusive, max_value, max_inclusive, unit, trial_count) for one
    measure: how many trials ask for each limit (e.g. LVEF ≥ 50 vs ≥ 55), lowest limit first."""
    frame = read_filtered(
        wh,
        """SELECT r.min_value, r.min_inclusive, r.max_value, r.max_inclusive, any_value(r.unit) AS unit,
                  count(DISTINCT r.nct_id) AS trial_count
           FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE r.measure = ? AND /*filters*/
           GROUP BY r.min_value, r.min_inclusive, r.max_value, r.max_inclusive
           ORDER BY r.min_value NULLS LAST, r.max_value NULLS LAST""",
        filters,
        before=[measure],
    )
    return _add_requirement_label(frame).select(
        "requirement",
        "min_value",
        "min_inclusive",
        "max_value",
        "max_inclusive",
        "unit",
        "trial_count",
    )


_AGE_WINDOWS = """SELECT coalesce(t.min_age_years, a.text_min_age_years) AS min_age,
       coalesce(t.max_age_years, a.text_max_age_years) AS max_age,
       count(*) AS trial_count
FROM trials t LEFT JOIN trial_age_limits a ON a.nct_id = t.nct_id
WHERE /*filters*/
GROUP BY 1, 2 ORDER BY trial_count DESC, min_age NULLS LAST, max_age NULLS LAST"""


def classify_age_window(min_age: float | None, max_age: float | None) -> str:
    """'children only', 'children and adults', 'adults only' or 'not stated'."""
    if min_age is None and max_age is None:
        return "not stated"
    if max_age is not None and max_age < ADULT_AGE:
        return "children only"
    if min_age is not None and min_age >= ADULT_AGE:
        return "adults only"
    return "children and adults"


def describe_age_window(min_age: float | None, max_age: float | None) -> str:
    """'18–65 years', '≥ 18 years', '≤ 17 years' or 'no limit stated'."""
    if min_age is None and max_age is None:
        return "no limit stated"
    if max_age is None:
        return f"≥ {format_number(min_age or 0)} years"
    if min_age is None:
        return f"≤ {format_number(max_age)} years"
    return f"{format_number(min_age)}–{format_number(max_age)} years"


def count_age_windows(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """(window, age_group, min_age, max_age, trial_count) per distinct age window, most common first.

    Ages come from the registry's age fields, with ages parsed from the criteria text filling gaps."""
    frame = read_filtered(wh, _AGE_WINDOWS, filters)
    rows = frame.select("min_age", "max_age").iter_rows()
    windows, groups = [], []
    for lo, hi in rows:
        windows.append(describe_age_window(lo, hi))
        groups.append(classify_age_window(lo, hi))
    return frame.with_columns(
        pl.Series("window", windows, dtype=pl.String), pl.Series("age_group", groups, dtype=pl.String)
    ).select("window", "age_group", "min_age", "max_age", "trial_count")


def read_requirement_matrix(
    wh: Warehouse, filters: TrialFilters, measures: tuple[str, ...], limit: int = 200
) -> pl.DataFrame:
    """(nct_id, brief_title, measure, requirement) for the matching trials that state a limit on any of
    `measures`; at most `limit` trials (those stating the most of these measures first)."""
    empty = pl.DataFrame(
        schema={"nct_id": pl.String, "brief_title": pl.String, "measure": pl.String, "requirement": pl.String}
    )
    if not measures:
        return empty
    frame = read_filtered(
        wh,
        """WITH r AS (
               SELECT r.*, t.brief_title FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
               WHERE list_contains(?::VARCHAR[], r.measure) AND /*filters*/),
           top AS (
               SELECT nct_id, count(*) AS n FROM r GROUP BY nct_id ORDER BY n DESC, nct_id LIMIT ?)
           SELECT r.nct_id, r.brief_title, r.measure, r.min_value, r.min_inclusive, r.max_value,
                  r.max_inclusive, r.unit
           FROM r JOIN top USING (nct_id) ORDER BY top.n DESC, r.nct_id, r.measure""",
        filters,
        before=[list(measures)],
        after=[limit],
    )
    return _add_requirement_label(frame).select("nct_id", "brief_title", "measure", "requirement")


def count_eligibility_coverage(wh: Warehouse, filters: TrialFilters) -> dict[str, int]:
    """How many matching trials have criteria text, state any numeric limit, and state an age limit."""
    frame = read_filtered(
        wh,
        """WITH f AS (SELECT t.nct_id, t.eligibility_criteria, t.min_age_years, t.max_age_years
                     FROM trials t WHERE /*filters*/)
           SELECT count(*) AS trials, count(eligibility_criteria) AS with_criteria_text,
                  count(*) FILTER (WHERE min_age_years IS NOT NULL OR max_age_years IS NOT NULL) AS with_age,
                  (SELECT count(DISTINCT r.nct_id) FROM eligibility_requirements r
                   WHERE r.nct_id IN (SELECT nct_id FROM f)) AS with_requirements
           FROM f""",
        filters,
    )
    return {name: int(value or 0) for name, value in frame.row(0, named=True).items()}


_TRIAL_COLUMNS = "t.nct_id, t.brief_title, t.target, t.phase_label, t.status_group"


def list_trials_with_requirement(
    wh: Warehouse,
    filters: TrialFilters,
    measure: str,
    bounds: tuple[float | None, bool | None, float | None, bool | None],
    limit: int = 200,
) -> pl.DataFrame:
    """Matching trials whose requirement on `measure` is exactly (min, min_inclusive, max, max_inclusive)."""
    lo, lo_inc, hi, hi_inc = bounds
    return read_filtered(
        wh,
        "SELECT "
        + _TRIAL_COLUMNS
        + """ FROM eligibility_requirements r JOIN trials t ON t.nct_id = r.nct_id
           WHERE r.measure = ? AND r.min_value IS NOT DISTINCT FROM ?::DOUBLE
             AND r.min_inclusive IS NOT DISTINCT FROM ?::BOOLEAN
             AND r.max_value IS NOT DISTINCT FROM ?::DOUBLE
             AND r.max_inclusive IS NOT DISTINCT FROM ?::BOOLEAN
             AND /*filters*/
           ORDER BY t.nct_id LIMIT ?""",
        filters,
        before=[measure, lo, lo_inc, hi, hi_inc],
        after=[limit],
    )
