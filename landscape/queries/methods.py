"""Queries behind Data & methods: where the data came from, the inclusion ledger, what each table holds."""

from __future__ import annotations

import ast

import polars as pl

from etl.load import REFRESHES_SCHEMA
from landscape.db import Warehouse

TABLE_DESCRIPTIONS: dict[str, str] = {
    "trials": "one row per registry study fetched (the app shows the CAR-based autoimmune ones)",
    "trial_conditions": "conditions as registered, their MeSH terms and MeSH ancestors",
    "trial_interventions": "interventions as registered (name, other names, type, description)",
    "trial_sponsors": "lead sponsor and collaborators as registered",
    "trial_sites": "sites: facility, city, country, recruitment status, coordinates",
    "trial_targets": "target antigens per trial (derived), one row per antigen",
    "trial_condition_entities": "autoimmune conditions per trial (derived), grouped into families",
    "classification_evidence": "why each derived label was given: rule, matched words and field",
    "inclusion_ledger": "how many records were fetched, kept and excluded at each step, and why",
    "eligibility_thresholds": "numeric thresholds found in eligibility criteria text, with the span quoted",
    "eligibility_requirements": "per trial and measure, the range of values a patient may have",
    "trial_age_limits": "age limits per trial from the structured fields and the criteria text",
    "eligibility_measures": "the measures thresholds are recognised for, with units",
    "refreshes": "one row per pull the database was built from, oldest first: data timestamp, source, counts",
    "trial_history": "each trial's state in each pull, as ranges of refreshes in which it did not change",
    "trial_changes": "what changed for each trial between consecutive refreshes (new, dropped, status ...)",
}

# (table, column) -> meaning; columns not listed fall back to the database's own comment, if any.
COLUMN_DESCRIPTIONS: dict[tuple[str, str], str] = {
    ("trials", "nct_id"): "ClinicalTrials.gov identifier (key)",
    ("trials", "source_registry"): "registry the record came from",
    ("trials", "brief_title"): "brief title as registered",
    ("trials", "official_title"): "official title as registered",
    ("trials", "acronym"): "study acronym",
    ("trials", "brief_summary"): "brief summary as registered",
    ("trials", "keywords"): "keywords as registered",
    ("trials", "overall_status"): "registry overall status (API enum, e.g. RECRUITING)",
    ("trials", "phases"): "registry phases (API enums)",
    ("trials", "phase_label"): "phase for display, e.g. Phase 1/2",
    ("trials", "phase_rank"): "phase as a number for ordering",
    ("trials", "study_type"): "interventional or observational",
    ("trials", "lead_sponsor"): "lead sponsor as registered",
    ("trials", "lead_sponsor_class"): "registry's sponsor class (API enum)",
    ("trials", "enrollment_count"): "enrollment count",
    ("trials", "enrollment_type"): "ACTUAL or ESTIMATED",
    ("trials", "start_date"): "start date (partial dates are stored as the first day)",
    ("trials", "start_date_precision"): "day, month or year: how much of start_date was registered",
    ("trials", "primary_completion_date"): "primary completion date",
    ("trials", "completion_date"): "study completion date",
    ("trials", "first_posted_date"): "date first posted on the registry",
    ("trials", "last_update_date"): "date of the last update posted",
    ("trials", "min_age_years"): "minimum age in years (structured field)",
    ("trials", "max_age_years"): "maximum age in years (structured field)",
    ("trials", "sex"): "sexes eligible",
    ("trials", "accepts_healthy_volunteers"): "whether healthy volunteers are accepted",
    ("trials", "eligibility_criteria"): "eligibility criteria text as registered",
    ("trials", "countries"): "countries with a site",
    ("trials", "search_text"): "lower-cased text the free-text search looks in",
    ("trials", "is_car_based"): "derived: a CAR-based cell therapy trial",
    ("trials", "car_based_reason"): "derived: why the trial counts as CAR-based, or why not",
    ("trials", "is_autoimmune"): "derived: studies an autoimmune or immune-mediated disease",
    ("trials", "autoimmune_reason"): "derived: why the trial counts as autoimmune, or why not",
    ("trials", "target"): "derived: target antigen label, e.g. CD19/BCMA",
    ("trials", "targets"): "derived: target antigens as a list",
    ("trials", "modality"): "derived: CAR-T, CAR-NK, CAAR-T, CAR-Treg, in vivo CAR ...",
    ("trials", "product_name"): "derived: named product",
    ("trials", "condition_family"): "derived: family of the primary condition",
    ("trials", "condition_entity"): "derived: primary condition",
    ("trials", "is_basket"): "derived: a basket trial across several diseases",
    ("trials", "sponsor_name"): "derived: lead sponsor, name cleaned and grouped",
    ("trials", "sponsor_class"): "derived: industry, academic, government ...",
    ("trials", "status_group"): "derived: open, active not recruiting, closed or unknown",
    ("trials", "is_stalled"): "derived: still open three or more years after its start",
    ("trial_conditions", "term_type"): "condition (as registered), mesh, or mesh_ancestor",
    ("trial_sites", "site_status"): "the site's recruitment status",
    ("trial_targets", "is_caar"): "the antigen is presented by a CAAR (autoantigen), not bound by a CAR",
    ("trial_condition_entities", "is_primary"): "the trial's primary condition",
    ("classification_evidence", "axis"): "which label: target, modality, condition, sponsor ...",
    ("classification_evidence", "rule"): "the rule that gave the label",
    ("classification_evidence", "matched_term"): "the words that matched",
    ("classification_evidence", "field"): "the registry field the words were found in",
    ("eligibility_thresholds", "section"): "inclusion or exclusion",
    ("eligibility_thresholds", "op"): "comparison as written (>=, <, between ...)",
    ("eligibility_thresholds", "span"): "the criteria text the threshold was read from",
    ("refreshes", "data_timestamp"): "the registry's data timestamp for the pull",
    ("refreshes", "fetched_at"): "when the pull was fetched (UTC)",
    ("refreshes", "loaded_at"): "when the database was built (UTC)",
    ("refreshes", "data_date"): "the calendar date of the data timestamp",
    (
        "refreshes",
        "data_timestamp_basis",
    ): "how the data timestamp is known: registry, meta.json, --as-of, import time",
    ("refreshes", "source_kind"): "live, file or bundled",
    ("refreshes", "pull"): "which pull: snapshot/history/<date>, snapshot/current or raw/<folder>",
    ("refreshes", "shown_trial_count"): "trials in the pull the app shows (CAR-based and autoimmune)",
    ("trial_history", "valid_from_refresh_id"): "first refresh of this unchanged stretch",
    ("trial_history", "valid_to_refresh_id"): "last refresh of this unchanged stretch (inclusive)",
    ("trial_changes", "kind"): "new, dropped, returned, status, phase, enrollment, start_date, ... modality",
    ("trial_changes", "field"): "the trial_history column compared (null for new, dropped, returned)",
    ("trial_changes", "old_value"): "value at the earlier refresh (null: not stated)",
    ("trial_changes", "new_value"): "value at the later refresh (null: not stated)",
}

# Columns with the same meaning wherever they appear.
_SHARED_COLUMNS: dict[str, str] = {
    "nct_id": "the trial (joins trials.nct_id)",
    "label": "the derived label",
    "measure": "eligibility measure, e.g. egfr_ml_min_1_73m2",
    "unit": "unit the value is stated in",
    "trial_count": "number of trials",
}

# The refresh table's schema is the loader's: an empty frame of it when the table is missing.
_EMPTY_REFRESH = pl.DataFrame(schema=REFRESHES_SCHEMA)


def read_refreshes(wh: Warehouse) -> pl.DataFrame:
    """Every load of the database, newest first."""
    if "refreshes" not in wh.table_names:
        return _EMPTY_REFRESH
    return wh.query("SELECT * FROM refreshes ORDER BY refresh_id DESC")


def read_latest_refresh(wh: Warehouse) -> dict[str, object]:
    """The newest load (source, query, data_timestamp, fetched_at ...), or {} for a database without one."""
    frame = read_refreshes(wh)
    return frame.row(0, named=True) if frame.height else {}


def read_inclusion_ledger(wh: Warehouse) -> pl.DataFrame:
    """(stage, reason, trial_count) in the order the ETL wrote them."""
    if "inclusion_ledger" not in wh.table_names:
        return pl.DataFrame(schema={"stage": pl.String, "reason": pl.String, "trial_count": pl.Int64})
    return wh.query("SELECT stage, reason, trial_count FROM inclusion_ledger")


def count_shown_trials(wh: Warehouse) -> int:
    """How many trials the dashboard shows (CAR-based and autoimmune), with no filter."""
    frame = wh.query("SELECT count(*) AS n FROM trials t WHERE t.is_car_based AND t.is_autoimmune")
    return int(frame.item())


def list_tables(wh: Warehouse) -> pl.DataFrame:
    """(table, rows, description) for every table in the warehouse."""
    frame = wh.query(
        """SELECT table_name AS "table", estimated_size AS rows FROM duckdb_tables()
           WHERE database_name = current_database() ORDER BY table_name"""
    )
    return frame.with_columns(
        pl.col("table").replace_strict(TABLE_DESCRIPTIONS, default="").alias("description")
    )


def list_columns(wh: Warehouse) -> pl.DataFrame:
    """(table, column, type, description) for every column in the warehouse."""
    frame = wh.query(
        """SELECT table_name AS "table", column_name AS "column", data_type AS type,
                  coalesce(comment, '') AS comment, column_index
           FROM duckdb_columns() WHERE database_name = current_database()
           ORDER BY table_name, column_index"""
    )
    described = [
        COLUMN_DESCRIPTIONS.get((table, column)) or comment or _SHARED_COLUMNS.get(column, "")
        for table, column, comment in frame.select("table", "column", "comment").iter_rows()
    ]
    return frame.select("table", "column", "type").with_columns(
        pl.Series("description", described, dtype=pl.String)
    )


def describe_query(query: object) -> str:
    """The search a load used: a live pull stores its request parameters (a dict's text), from which
    the search term is shown; anything else is shown as it is."""
    text = "unknown" if query is None else str(query)
    if text.startswith("{"):
        try:
            params = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            return text
        if isinstance(params, dict) and "query.term" in params:
            return str(params["query.term"])
    return text
