"""Queries about change across refreshes: the refreshes, net changes between two, a trial's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from etl.history import CHANGES_BODY, KIND_ORDER, ONE_PAIR
from etl.transform.dates import rank_phase_label
from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import FILTERS, bind_filters

# Filters apply to each trial as it is in the latest pull; a trial that has left the pulls is
# judged by its last recorded state. The two CTEs below stand in for `trials` and
# `trial_condition_entities` (they shadow the tables, so the shared WHERE clause applies unchanged;
# eligibility limits are known only for the latest pull, and a trial stating none is kept).
_SCOPE = """
trials AS (
    SELECT nct_id, brief_title, overall_status, status_group, phase_label, target, targets, modality,
           product_name, condition_family, condition_entity, sponsor_name, sponsor_class, countries,
           start_date, search_text, min_age_years, max_age_years, is_car_based, is_autoimmune,
           TRUE AS is_in_latest_pull
    FROM main.trials
    UNION ALL BY NAME
    SELECT h.nct_id, h.brief_title, h.overall_status, h.status_group, h.phase_label, h.target, h.targets,
           h.modality, h.product_name, h.condition_family, h.condition_entity, h.sponsor_name,
           h.sponsor_class, h.countries, h.start_date,
           lower(concat_ws(' ', h.brief_title, array_to_string(h.conditions, ' '), h.target,
                           h.product_name, h.lead_sponsor)) AS search_text,
           NULL::DOUBLE AS min_age_years, NULL::DOUBLE AS max_age_years, h.is_car_based, h.is_autoimmune,
           FALSE AS is_in_latest_pull
    FROM trial_history h
    WHERE h.nct_id NOT IN (SELECT nct_id FROM main.trials)
    QUALIFY row_number() OVER (PARTITION BY h.nct_id ORDER BY h.valid_to_refresh_id DESC) = 1
),
trial_condition_entities AS (
    SELECT nct_id, condition_entity, condition_family FROM main.trial_condition_entities
    UNION ALL
    SELECT nct_id, condition_entity, condition_family FROM trials
    WHERE NOT is_in_latest_pull AND condition_entity IS NOT NULL
),
in_scope AS (SELECT t.nct_id FROM trials t WHERE /*scope*/)"""

# The net changes between two refreshes (the ETL's own SQL, etl/history.py), for trials in scope,
# with each trial's state at the later refresh (at the earlier one for a dropped trial).
_CHANGES = (
    "WITH"
    + _SCOPE
    + """,
changes AS (/*changes*/)
SELECT c.nct_id, c.kind, c.field, c.old_value, c.new_value,
       c.from_refresh_id, c.to_refresh_id, c.from_data_timestamp, c.to_data_timestamp,
       h.brief_title, h.target, h.modality, h.condition_entity, h.condition_family, h.sponsor_name,
       h.lead_sponsor, h.phase_label, h.overall_status, h.status_group
FROM changes c
JOIN trial_history h
  ON h.nct_id = c.nct_id
 AND h.valid_from_refresh_id <= CASE WHEN c.kind = 'dropped' THEN c.from_refresh_id ELSE c.to_refresh_id END
 AND h.valid_to_refresh_id >= CASE WHEN c.kind = 'dropped' THEN c.from_refresh_id ELSE c.to_refresh_id END
WHERE c.nct_id IN (SELECT nct_id FROM in_scope)
ORDER BY array_position(?::VARCHAR[], c.kind), c.nct_id, c.field"""
)
# Net changes between any two refreshes: the ETL's SQL over trial_history. Between consecutive
# refreshes the same SQL already filled trial_changes, so those are read from the table (faster).
_COMPUTED = "WITH" + ONE_PAIR + CHANGES_BODY
_STORED = "SELECT * FROM trial_changes WHERE from_refresh_id = ? AND to_refresh_id = ?"
# Fixed templates: under the app's filters (shown trials) or every trial, computed or stored.
_TEMPLATES: dict[tuple[bool, bool], str] = {
    (all_trials, stored): _CHANGES.replace("/*scope*/", "TRUE" if all_trials else FILTERS).replace(
        "/*changes*/", _STORED if stored else _COMPUTED
    )
    for all_trials in (False, True)
    for stored in (False, True)
}

# The landscape at each refresh: trials in scope by their status group at that refresh.
_STATUS_BY_REFRESH = (
    "WITH"
    + _SCOPE.replace("/*scope*/", FILTERS)
    + """
SELECT r.refresh_id, r.data_timestamp, coalesce(h.status_group, 'unknown') AS status_group,
       count(*) AS trial_count
FROM refreshes r
JOIN trial_history h ON h.valid_from_refresh_id <= r.refresh_id AND h.valid_to_refresh_id >= r.refresh_id
WHERE h.nct_id IN (SELECT nct_id FROM in_scope)
GROUP BY ALL ORDER BY r.refresh_id, status_group"""
)

CHANGE_COLUMNS: dict[str, pl.DataType] = {
    "nct_id": pl.String,
    "kind": pl.String,
    "field": pl.String,
    "old_value": pl.String,
    "new_value": pl.String,
    "from_refresh_id": pl.Int64,
    "to_refresh_id": pl.Int64,
    "from_data_timestamp": pl.String,
    "to_data_timestamp": pl.String,
    "brief_title": pl.String,
    "target": pl.String,
    "modality": pl.String,
    "condition_entity": pl.String,
    "condition_family": pl.String,
    "sponsor_name": pl.String,
    "lead_sponsor": pl.String,
    "phase_label": pl.String,
    "overall_status": pl.String,
    "status_group": pl.String,
}

# Status moves worth calling out, by the registry status moved to.
STATUS_CALLOUTS: dict[str, str] = {
    "RECRUITING": "opened",
    "ENROLLING_BY_INVITATION": "opened",
    "WITHDRAWN": "withdrawn",
    "TERMINATED": "terminated",
    "SUSPENDED": "suspended",
    "COMPLETED": "completed",
}
DATE_FIELDS: tuple[str, ...] = ("start_date", "primary_completion_date", "completion_date")


class RefreshChoiceError(ValueError):
    """The refreshes asked for cannot be compared (empty warehouse, date before the first refresh...)."""


@dataclass(frozen=True)
class RefreshPair:
    """Two refreshes to compare, earlier first."""

    from_refresh_id: int
    to_refresh_id: int
    from_data_timestamp: str
    to_data_timestamp: str


def has_history(wh: Warehouse) -> bool:
    """Whether the warehouse holds at least one refresh (its tables are in the contract, so they exist)."""
    return bool(wh.query("SELECT count(*) AS n FROM refreshes")["n"][0])


def list_refreshes(wh: Warehouse) -> pl.DataFrame:
    """Every refresh, oldest data first: id, data timestamp and date, how the timestamp is known,
    source (live / file / bundled), pull, counts (records, trials, trials the app shows, skipped)."""
    return wh.query("SELECT * FROM refreshes ORDER BY refresh_id")


def pick_refresh_pair(
    refreshes: pl.DataFrame, since: date | None = None, until: date | None = None
) -> RefreshPair:
    """The refreshes to compare: the latest at or before `since` (default: the one before the
    latest) and the latest at or before `until` (default: the latest). Raises RefreshChoiceError."""
    if refreshes.is_empty():
        raise RefreshChoiceError("the warehouse holds no refresh yet: build it first (python -m etl build)")
    ordered = refreshes.sort("refresh_id")
    first_date = ordered["data_date"][0]

    def latest_at(day: date, option: str) -> dict:
        eligible = ordered.filter(pl.col("data_date") <= day)
        if eligible.is_empty():
            raise RefreshChoiceError(
                f"{option} {day.isoformat()} is before the first refresh ({first_date.isoformat()})"
            )
        return eligible.row(-1, named=True)

    later = latest_at(until, "--until") if until is not None else ordered.row(-1, named=True)
    if since is not None:
        earlier = latest_at(since, "--since")
    else:
        before = ordered.filter(pl.col("refresh_id") < later["refresh_id"])
        if before.is_empty():
            raise RefreshChoiceError(
                f"only one refresh at or before {later['data_timestamp']}: nothing earlier to compare with"
            )
        earlier = before.row(-1, named=True)
    if earlier["refresh_id"] > later["refresh_id"]:
        raise RefreshChoiceError(
            f"--since picks {earlier['data_timestamp']}, after --until's {later['data_timestamp']}"
        )
    return RefreshPair(
        earlier["refresh_id"], later["refresh_id"], earlier["data_timestamp"], later["data_timestamp"]
    )


def read_changes(
    wh: Warehouse, filters: TrialFilters, pair: RefreshPair, *, all_trials: bool = False
) -> pl.DataFrame:
    """Net changes between two refreshes (one row per trial, kind and field), for the trials the
    filters select (or, with all_trials, every trial in the pulls), with each trial's state."""
    if not has_history(wh):
        return pl.DataFrame(schema=CHANGE_COLUMNS)
    after = [pair.from_refresh_id, pair.to_refresh_id, list(KIND_ORDER)]
    template = _TEMPLATES[(all_trials, pair.to_refresh_id == pair.from_refresh_id + 1)]
    if all_trials:
        return wh.query(template, after)
    bound = bind_filters(template, filters, after=after)
    return wh.query(bound.sql, bound.params)


def count_changes_by_kind(changes: pl.DataFrame) -> pl.DataFrame:
    """Headline counts: (kind, trial_count) in the fixed kind order, kinds with no change left out."""
    counts = changes.group_by("kind").agg(pl.col("nct_id").n_unique().cast(pl.Int64).alias("trial_count"))
    order = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
    return counts.sort(pl.col("kind").replace_strict(order, default=len(order), return_dtype=pl.Int32))


def select_new_trials(changes: pl.DataFrame) -> pl.DataFrame:
    """New trials with target, condition, sponsor, phase and status at the later refresh."""
    return changes.filter(pl.col("kind") == "new").select(
        "nct_id",
        "brief_title",
        "target",
        "modality",
        "condition_entity",
        "sponsor_name",
        "phase_label",
        "overall_status",
    )


def select_status_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """Status changes (registry codes, from -> to) with `callout`: opened, withdrawn, terminated,
    suspended or completed (null for other moves)."""
    return (
        changes.filter(pl.col("kind") == "status")
        .select(
            "nct_id",
            "brief_title",
            "target",
            pl.col("old_value").alias("old_status"),
            pl.col("new_value").alias("new_status"),
        )
        .with_columns(
            pl.col("new_status")
            .replace_strict(STATUS_CALLOUTS, default=None, return_dtype=pl.String)
            .alias("callout")
        )
    )


def select_phase_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """Phase changes (display phases) with `is_advance` when the later phase ranks higher."""
    return (
        changes.filter(pl.col("kind") == "phase")
        .select(
            "nct_id",
            "brief_title",
            "target",
            pl.col("old_value").alias("old_phase"),
            pl.col("new_value").alias("new_phase"),
        )
        .with_columns(
            (
                rank_phase_label(pl.col("new_phase").fill_null("Not stated")).cast(pl.Int32)
                > rank_phase_label(pl.col("old_phase").fill_null("Not stated")).cast(pl.Int32)
            ).alias("is_advance")
        )
    )


def select_enrollment_changes(changes: pl.DataFrame) -> pl.DataFrame:
    """Enrollment count changes: old, new, change (±) and change_pct (of the old count; null from 0
    or not stated)."""
    counts = changes.filter((pl.col("kind") == "enrollment") & (pl.col("field") == "enrollment_count"))
    return counts.select(
        "nct_id",
        "brief_title",
        "target",
        pl.col("old_value").cast(pl.Int64).alias("old_enrollment_count"),
        pl.col("new_value").cast(pl.Int64).alias("new_enrollment_count"),
    ).with_columns(
        (pl.col("new_enrollment_count") - pl.col("old_enrollment_count")).alias("change_count"),
        pl.when(pl.col("old_enrollment_count") > 0)
        .then(
            (pl.col("new_enrollment_count") - pl.col("old_enrollment_count"))
            * 100.0
            / pl.col("old_enrollment_count")
        )
        .alias("change_pct"),
    )


def select_date_slips(changes: pl.DataFrame) -> pl.DataFrame:
    """Start or completion dates that moved, with `months_moved` (positive: later). A date that
    appeared or disappeared is not a slip (it is listed as a change of that kind, not here)."""
    dates = changes.filter(
        pl.col("kind").is_in(list(DATE_FIELDS))
        & pl.col("old_value").is_not_null()
        & pl.col("new_value").is_not_null()
    ).select(
        "nct_id",
        "brief_title",
        "target",
        "field",
        pl.col("old_value").str.to_date().alias("old_date"),
        pl.col("new_value").str.to_date().alias("new_date"),
    )
    months = (pl.col("new_date").dt.year() - pl.col("old_date").dt.year()) * 12 + (
        pl.col("new_date").dt.month().cast(pl.Int32) - pl.col("old_date").dt.month().cast(pl.Int32)
    )
    return dates.with_columns(months.cast(pl.Int32).alias("months_moved"))


def select_dropped_and_returned(changes: pl.DataFrame) -> pl.DataFrame:
    """Trials that left the pulls (status at the earlier refresh) or came back (status now)."""
    return changes.filter(pl.col("kind").is_in(["dropped", "returned"])).select(
        "nct_id",
        "kind",
        "brief_title",
        "target",
        pl.coalesce("old_value", "new_value").alias("overall_status"),
    )


def summarize_latest_changes(wh: Warehouse, filters: TrialFilters) -> dict[str, object]:
    """For the Overview line: the previous refresh's date and counts by kind since it, under the
    filters; {} when there is no earlier refresh."""
    try:
        pair = pick_refresh_pair(list_refreshes(wh))
    except RefreshChoiceError:
        return {}
    counts = count_changes_by_kind(read_changes(wh, filters, pair))
    return {
        "from_data_timestamp": pair.from_data_timestamp,
        "to_data_timestamp": pair.to_data_timestamp,
        "counts": dict(zip(counts["kind"].to_list(), counts["trial_count"].to_list(), strict=True)),
    }


def read_trial_history(wh: Warehouse, nct_id: str) -> pl.DataFrame:
    """One trial's recorded states, oldest first: each unchanged stretch with the data timestamps of
    its first and last refresh, and the tracked fields (for a status timeline)."""
    return wh.query(
        """SELECT rf.data_timestamp AS valid_from, rt.data_timestamp AS valid_to,
                  h.valid_from_refresh_id, h.valid_to_refresh_id,
                  h.overall_status, h.status_group, h.phase_label, h.enrollment_count, h.enrollment_type,
                  h.start_date, h.primary_completion_date, h.completion_date, h.lead_sponsor,
                  h.brief_title, h.site_count, h.target, h.modality
           FROM trial_history h
           JOIN refreshes rf ON rf.refresh_id = h.valid_from_refresh_id
           JOIN refreshes rt ON rt.refresh_id = h.valid_to_refresh_id
           WHERE h.nct_id = ? ORDER BY h.valid_from_refresh_id""",
        [nct_id],
    )


def read_trial_changes(wh: Warehouse, nct_id: str) -> pl.DataFrame:
    """Every step of one trial's history: its changes between each pair of consecutive refreshes
    (A -> B -> A shows both steps), oldest first."""
    return wh.query(
        """SELECT from_data_timestamp, to_data_timestamp, kind, field, old_value, new_value
           FROM trial_changes WHERE nct_id = ?
           ORDER BY to_refresh_id, array_position(?::VARCHAR[], kind), field""",
        [nct_id, list(KIND_ORDER)],
    )


def count_status_groups_by_refresh(wh: Warehouse, filters: TrialFilters) -> pl.DataFrame:
    """The landscape at each refresh: (refresh_id, data_timestamp, status_group, trial_count) for the
    trials the filters select (judged as in the latest pull), by their status group at that refresh."""
    if not has_history(wh):
        return pl.DataFrame(
            schema={
                "refresh_id": pl.Int64,
                "data_timestamp": pl.String,
                "status_group": pl.String,
                "trial_count": pl.Int64,
            }
        )
    bound = bind_filters(_STATUS_BY_REFRESH, filters)
    return wh.query(bound.sql, bound.params)
