"""Trial history: per-pull states -> ranges (trial_history) -> net changes in SQL (trial_changes)."""

from __future__ import annotations

import duckdb
import polars as pl

# The fields a trial's state is made of, in trial_history's column order. The first group is what
# trial_changes compares; the second lets the app apply its filters to a trial no longer in the
# latest pull (its last recorded state stands in for the `trials` row).
TRACKED_COLUMNS: tuple[str, ...] = (
    "overall_status",
    "status_group",
    "phases",
    "phase_label",
    "enrollment_count",
    "enrollment_type",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "lead_sponsor",
    "brief_title",
    "conditions",
    "countries",
    "site_count",
    "target",
    "modality",
)
FILTER_COLUMNS: tuple[str, ...] = (
    "is_car_based",
    "is_autoimmune",
    "targets",
    "sponsor_name",
    "sponsor_class",
    "product_name",
    "condition_family",
    "condition_entity",
)
STATE_COLUMNS: tuple[str, ...] = TRACKED_COLUMNS + FILTER_COLUMNS

HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String,
    "valid_from_refresh_id": pl.Int64,
    "valid_to_refresh_id": pl.Int64,
    "overall_status": pl.String,
    "status_group": pl.String,
    "phases": pl.List(pl.String),
    "phase_label": pl.String,
    "enrollment_count": pl.Int64,
    "enrollment_type": pl.String,
    "start_date": pl.Date,
    "primary_completion_date": pl.Date,
    "completion_date": pl.Date,
    "lead_sponsor": pl.String,
    "brief_title": pl.String,
    "conditions": pl.List(pl.String),
    "countries": pl.List(pl.String),
    "site_count": pl.Int64,
    "target": pl.String,
    "modality": pl.String,
    "is_car_based": pl.Boolean,
    "is_autoimmune": pl.Boolean,
    "targets": pl.List(pl.String),
    "sponsor_name": pl.String,
    "sponsor_class": pl.String,
    "product_name": pl.String,
    "condition_family": pl.String,
    "condition_entity": pl.String,
}
_STATE_SCHEMA = {"nct_id": pl.String, **{c: HISTORY_SCHEMA[c] for c in STATE_COLUMNS}}
_HASH = "_state_hash"


def extract_trial_states(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per trial of one pull with the tracked fields (pure; from classified tables)."""
    trials = tables["trials"]
    conditions = (
        tables["trial_conditions"]
        .filter(pl.col("term_type") == "condition")
        .sort("nct_id", "term_order")
        .group_by("nct_id", maintain_order=True)
        .agg(pl.col("term").alias("conditions"))
    )
    sites = tables["trial_sites"].group_by("nct_id").agg(pl.len().cast(pl.Int64).alias("site_count"))
    states = (
        trials.select("nct_id", *[c for c in STATE_COLUMNS if c in trials.columns])
        .join(conditions, on="nct_id", how="left")
        .join(sites, on="nct_id", how="left")
    )
    missing = [
        pl.lit(None, dtype=dtype).alias(c) for c, dtype in _STATE_SCHEMA.items() if c not in states.columns
    ]
    return (
        states.with_columns(missing)
        .select(list(_STATE_SCHEMA))
        .cast(_STATE_SCHEMA)
        .with_columns(
            pl.col("conditions").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("countries").fill_null(pl.lit([], dtype=pl.List(pl.String))),
            pl.col("site_count").fill_null(0),
        )
        .sort("nct_id")
    )


class HistoryBuilder:
    """Folds per-pull states, oldest first, into ranges: a row per unchanged stretch of a trial.

    A range ends when the trial's state changes or it is absent from a pull, so rows grow with the
    changes, not with trials x refreshes, and each pull costs one pass over its trials.
    """

    def __init__(self) -> None:
        self._open: pl.DataFrame | None = None
        self._closed: list[pl.DataFrame] = []
        self._last_refresh_id: int | None = None

    def add(self, refresh_id: int, states: pl.DataFrame) -> None:
        """Add one pull's states (extract_trial_states); refresh ids must increase by one."""
        if self._last_refresh_id is not None and refresh_id != self._last_refresh_id + 1:
            raise ValueError("refreshes must be added in order, numbered consecutively")
        hashed = states.with_columns(pl.struct(list(STATE_COLUMNS)).hash().alias(_HASH))
        if self._open is None:
            start = pl.lit(refresh_id, dtype=pl.Int64).alias("valid_from_refresh_id")
            self._open = hashed.with_columns(start)
        else:
            keys = hashed.select("nct_id", _HASH)
            unchanged = self._open.join(keys, on=["nct_id", _HASH], how="semi")
            ended = self._open.join(keys, on=["nct_id", _HASH], how="anti")
            self._closed.append(
                ended.with_columns(pl.lit(self._last_refresh_id, dtype=pl.Int64).alias("valid_to_refresh_id"))
            )
            started = hashed.join(unchanged.select("nct_id"), on="nct_id", how="anti").with_columns(
                pl.lit(refresh_id, dtype=pl.Int64).alias("valid_from_refresh_id")
            )
            self._open = pl.concat([unchanged, started])
        self._last_refresh_id = refresh_id

    def finish(self) -> pl.DataFrame:
        """trial_history: the closed ranges plus the ranges still open at the latest pull."""
        if self._open is None:
            return pl.DataFrame(schema=HISTORY_SCHEMA)
        still_open = self._open.with_columns(
            pl.lit(self._last_refresh_id, dtype=pl.Int64).alias("valid_to_refresh_id")
        )
        frames = [frame.select(list(HISTORY_SCHEMA)) for frame in [*self._closed, still_open]]
        return pl.concat(frames).sort("nct_id", "valid_from_refresh_id")


# --- trial_changes: derived in SQL from trial_history --------------------------------------------
# A template body that expects a CTE `pairs(from_refresh_id, to_refresh_id)` before it. Comparing two
# refreshes looks only at the two states, so A -> B -> A between them is no change (the net rule).
# A value that appears or disappears is a change too (old or new is null: "not stated"). Enrollment
# compares the count (ESTIMATED -> ACTUAL alone is in trial_history, not a change).
CHANGES_BODY = """
state_from AS (
    SELECT p.from_refresh_id, p.to_refresh_id, h.*
    FROM pairs p JOIN trial_history h
      ON h.valid_from_refresh_id <= p.from_refresh_id AND h.valid_to_refresh_id >= p.from_refresh_id
),
state_to AS (
    SELECT p.from_refresh_id, p.to_refresh_id, h.*
    FROM pairs p JOIN trial_history h
      ON h.valid_from_refresh_id <= p.to_refresh_id AND h.valid_to_refresh_id >= p.to_refresh_id
),
first_seen AS (
    SELECT nct_id, min(valid_from_refresh_id) AS first_refresh_id FROM trial_history GROUP BY nct_id
),
membership AS (
    SELECT p.from_refresh_id, p.to_refresh_id, s.nct_id, s.overall_status AS old_value,
           NULL::VARCHAR AS new_value, 'dropped' AS kind
    FROM pairs p JOIN state_from s USING (from_refresh_id, to_refresh_id)
    WHERE NOT EXISTS (SELECT 1 FROM state_to b WHERE b.nct_id = s.nct_id
                      AND b.from_refresh_id = s.from_refresh_id AND b.to_refresh_id = s.to_refresh_id)
    UNION ALL
    SELECT p.from_refresh_id, p.to_refresh_id, s.nct_id, NULL::VARCHAR, s.overall_status,
           CASE WHEN f.first_refresh_id > p.from_refresh_id THEN 'new' ELSE 'returned' END
    FROM pairs p JOIN state_to s USING (from_refresh_id, to_refresh_id) JOIN first_seen f USING (nct_id)
    WHERE NOT EXISTS (SELECT 1 FROM state_from a WHERE a.nct_id = s.nct_id
                      AND a.from_refresh_id = s.from_refresh_id AND a.to_refresh_id = s.to_refresh_id)
),
field_pairs AS (
    -- Parallel lists unnest together: one row per tracked field (a list of structs plans slower).
    SELECT a.from_refresh_id, a.to_refresh_id, a.nct_id,
        unnest(['status', 'phase', 'enrollment', 'start_date', 'primary_completion_date', 'completion_date',
                'sponsor', 'title', 'conditions', 'countries', 'sites', 'target', 'modality']) AS kind,
        unnest(['overall_status', 'phase_label', 'enrollment_count', 'start_date', 'primary_completion_date',
                'completion_date', 'lead_sponsor', 'brief_title', 'conditions', 'countries', 'site_count',
                'target', 'modality']) AS field,
        unnest([a.overall_status, a.phase_label, a.enrollment_count::VARCHAR, a.start_date::VARCHAR,
                a.primary_completion_date::VARCHAR, a.completion_date::VARCHAR, a.lead_sponsor, a.brief_title,
                array_to_string(list_sort(a.conditions), '; '), array_to_string(list_sort(a.countries), '; '),
                a.site_count::VARCHAR, a.target, a.modality]) AS old_value,
        unnest([b.overall_status, b.phase_label, b.enrollment_count::VARCHAR, b.start_date::VARCHAR,
                b.primary_completion_date::VARCHAR, b.completion_date::VARCHAR, b.lead_sponsor, b.brief_title,
                array_to_string(list_sort(b.conditions), '; '), array_to_string(list_sort(b.countries), '; '),
                b.site_count::VARCHAR, b.target, b.modality]) AS new_value
    FROM state_from a JOIN state_to b
      ON a.nct_id = b.nct_id AND a.from_refresh_id = b.from_refresh_id AND a.to_refresh_id = b.to_refresh_id
    -- Both in one unchanged range: nothing can differ, so skip the comparison.
    WHERE a.valid_from_refresh_id <> b.valid_from_refresh_id
),
all_changes AS (
    SELECT from_refresh_id, to_refresh_id, nct_id, kind, NULL::VARCHAR AS field, old_value, new_value
    FROM membership
    UNION ALL
    SELECT from_refresh_id, to_refresh_id, nct_id, kind, field, old_value, new_value
    FROM field_pairs WHERE old_value IS DISTINCT FROM new_value
)
SELECT c.nct_id, c.from_refresh_id, c.to_refresh_id,
       rf.data_timestamp AS from_data_timestamp, rt.data_timestamp AS to_data_timestamp,
       c.kind, c.field, c.old_value, c.new_value
FROM all_changes c
JOIN refreshes rf ON rf.refresh_id = c.from_refresh_id
JOIN refreshes rt ON rt.refresh_id = c.to_refresh_id
"""

# Every consecutive pair of refreshes: what the table trial_changes holds.
CONSECUTIVE_PAIRS = """
pairs AS (
    SELECT refresh_id - 1 AS from_refresh_id, refresh_id AS to_refresh_id FROM refreshes WHERE refresh_id > 1
),"""
# One chosen pair, given as two `?` parameters (from, to): what the app and the CLI compare.
ONE_PAIR = """
pairs AS (SELECT ?::BIGINT AS from_refresh_id, ?::BIGINT AS to_refresh_id),"""

KIND_ORDER: tuple[str, ...] = (
    "new",
    "returned",
    "dropped",
    "status",
    "phase",
    "enrollment",
    "start_date",
    "primary_completion_date",
    "completion_date",
    "sponsor",
    "title",
    "conditions",
    "countries",
    "sites",
    "target",
    "modality",
)
CHANGES_SCHEMA: dict[str, pl.DataType] = {
    "nct_id": pl.String,
    "from_refresh_id": pl.Int64,
    "to_refresh_id": pl.Int64,
    "from_data_timestamp": pl.String,
    "to_data_timestamp": pl.String,
    "kind": pl.String,
    "field": pl.String,
    "old_value": pl.String,
    "new_value": pl.String,
}
_CONSECUTIVE_CHANGES_SQL = "WITH " + CONSECUTIVE_PAIRS + CHANGES_BODY


def derive_trial_changes(trial_history: pl.DataFrame, refreshes: pl.DataFrame) -> pl.DataFrame:
    """trial_changes for every consecutive pair of refreshes, computed in SQL from trial_history."""
    with duckdb.connect(":memory:") as con:
        con.register("trial_history", trial_history)
        con.register("refreshes", refreshes)
        frame = con.sql(_CONSECUTIVE_CHANGES_SQL).pl()
    if frame.is_empty():
        return pl.DataFrame(schema=CHANGES_SCHEMA)
    order = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
    return (
        frame.cast(CHANGES_SCHEMA)  # type: ignore[arg-type]
        .with_columns(pl.col("kind").replace_strict(order, return_dtype=pl.Int32).alias("_kind_rank"))
        .sort("to_refresh_id", "_kind_rank", "nct_id", "field", nulls_last=False)
        .drop("_kind_rank")
    )
