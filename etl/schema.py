"""The warehouse contract: every table, its key, each column's type and meaning, the label sets, the version.

The loader (etl/load.py) writes the meanings as DuckDB comments and the version into `warehouse_info`;
the app (landscape/db.py) refuses a database whose version differs, so the read layer never has to ask
whether a table or column exists. Change a table or column here, bump SCHEMA_VERSION, rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# Bump whenever a table or column is added, removed, renamed or changes type or meaning.
SCHEMA_VERSION = 5
VERSION_TABLE = "warehouse_info"

# ---- Label sets, in the order every chart, legend and list shows them -------------------------------

# Phase labels (etl/transform/dates.py derives them from the API enums) and their rank for ordering
# and "furthest phase"; rank 0 is 'not a phase', shown last.
PHASE_RANKS: dict[str, int] = {
    "Not stated": 0,
    "Not applicable": 0,
    "Early Phase 1": 1,
    "Phase 1": 2,
    "Phase 1/2": 3,
    "Phase 2": 4,
    "Phase 2/3": 5,
    "Phase 3": 6,
    "Phase 4": 7,
}
PHASE_LABELS: tuple[str, ...] = tuple(
    sorted(PHASE_RANKS, key=lambda label: (PHASE_RANKS[label] == 0, PHASE_RANKS[label]))
)
STATUS_GROUPS: tuple[str, ...] = ("open", "active, not recruiting", "closed", "unknown")
SPONSOR_CLASSES: tuple[str, ...] = ("industry", "academic/hospital", "government", "other")
# Display order: cell origin first, then the newer constructs, 'unclear' last. (Which modality wins
# when a record shows several is a classification rule: etl/classify/labels.py MODALITY_PRECEDENCE.)
MODALITIES: tuple[str, ...] = (
    "Autologous CAR-T",
    "Allogeneic CAR-T",
    "CAR-T (unspecified)",
    "In vivo CAR",
    "mRNA CAR-T",
    "CAR-NK",
    "CAAR-T",
    "CAR-Treg",
    "CAR-γδ T",
    "unclear",
)
CONDITION_FAMILIES: tuple[str, ...] = (
    "rheumatic",
    "neurologic",
    "renal",
    "haematologic",
    "dermatologic",
    "endocrine",
    "GI",
    "other",
)


# ---- Tables ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column: its DuckDB type as `duckdb_columns()` reports it, and what it means."""

    name: str
    type: str
    meaning: str


@dataclass(frozen=True)
class Table:
    """One table: what a row is, its key columns and its columns in order."""

    name: str
    meaning: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]


def _columns(*rows: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*row) for row in rows)


_NCT = ("nct_id", "VARCHAR", "the trial's ClinicalTrials.gov identifier (joins trials.nct_id)")
_DATE_PRECISION = "day, month or year: how much of the date was registered"

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "trials",
            "one row per registry study fetched (the app shows those both CAR-based and autoimmune)",
            ("nct_id",),
            _columns(
                ("nct_id", "VARCHAR", "ClinicalTrials.gov identifier (key)"),
                ("source_registry", "VARCHAR", "registry the record came from"),
                ("brief_title", "VARCHAR", "brief title as registered"),
                ("official_title", "VARCHAR", "official title as registered"),
                ("acronym", "VARCHAR", "study acronym"),
                ("brief_summary", "VARCHAR", "brief summary as registered"),
                ("detailed_description", "VARCHAR", "detailed description as registered"),
                ("arm_descriptions", "VARCHAR[]", "arm group descriptions as registered"),
                ("keywords", "VARCHAR[]", "keywords as registered"),
                ("overall_status", "VARCHAR", "registry overall status (API enum, e.g. RECRUITING)"),
                ("phases", "VARCHAR[]", "registry phases (API enums)"),
                ("phase_label", "VARCHAR", "phase for display, e.g. Phase 1/2 (one of PHASE_LABELS)"),
                ("phase_rank", "TINYINT", "phase as a number for ordering (0: not stated or not applicable)"),
                ("study_type", "VARCHAR", "interventional or observational"),
                ("lead_sponsor", "VARCHAR", "lead sponsor as registered"),
                ("lead_sponsor_class", "VARCHAR", "registry's sponsor class (API enum)"),
                ("responsible_party_name", "VARCHAR", "responsible party (investigator) as registered"),
                ("responsible_party_affiliation", "VARCHAR", "the responsible investigator's affiliation"),
                ("enrollment_count", "BIGINT", "enrollment count"),
                ("enrollment_type", "VARCHAR", "ACTUAL or ESTIMATED"),
                ("start_date", "DATE", "start date (partial dates are stored as the first day)"),
                ("start_date_precision", "VARCHAR", _DATE_PRECISION),
                ("primary_completion_date", "DATE", "primary completion date"),
                ("primary_completion_date_precision", "VARCHAR", _DATE_PRECISION),
                ("completion_date", "DATE", "study completion date"),
                ("completion_date_precision", "VARCHAR", _DATE_PRECISION),
                ("first_posted_date", "DATE", "date first posted on the registry"),
                ("first_posted_date_precision", "VARCHAR", _DATE_PRECISION),
                ("last_update_date", "DATE", "date of the last update posted"),
                ("last_update_date_precision", "VARCHAR", _DATE_PRECISION),
                ("min_age_years", "DOUBLE", "minimum age in years (registry age field)"),
                ("max_age_years", "DOUBLE", "maximum age in years (registry age field)"),
                ("sex", "VARCHAR", "sexes eligible"),
                ("accepts_healthy_volunteers", "BOOLEAN", "whether healthy volunteers are accepted"),
                ("eligibility_criteria", "VARCHAR", "eligibility criteria text as registered"),
                ("countries", "VARCHAR[]", "countries with a site"),
                ("is_car_based", "BOOLEAN", "derived: a CAR-based cell therapy trial"),
                ("car_based_reason", "VARCHAR", "derived: why the trial counts as CAR-based, or why not"),
                ("is_autoimmune", "BOOLEAN", "derived: studies an autoimmune or immune-mediated disease"),
                ("autoimmune_reason", "VARCHAR", "derived: why the trial counts as autoimmune, or why not"),
                ("target", "VARCHAR", "derived: target antigen label, e.g. CD19/BCMA"),
                ("targets", "VARCHAR[]", "derived: target antigens as a list"),
                ("modality", "VARCHAR", "derived: one of MODALITIES (CAR-T, CAR-NK, CAAR-T, CAR-Treg ...)"),
                ("cell_origin", "VARCHAR", "derived: autologous, allogeneic, in vivo or unclear"),
                (
                    "cell_origin_basis",
                    "VARCHAR",
                    "how cell_origin is known: stated in the record, from the named product, or presumed",
                ),
                ("product_name", "VARCHAR", "derived: named product"),
                ("condition_family", "VARCHAR", "derived: primary condition's family (CONDITION_FAMILIES)"),
                ("condition_entity", "VARCHAR", "derived: primary condition"),
                ("is_basket", "BOOLEAN", "derived: a basket trial across several diseases"),
                ("sponsor_name", "VARCHAR", "derived: lead sponsor, name cleaned and grouped"),
                ("sponsor_class", "VARCHAR", "derived: one of SPONSOR_CLASSES"),
                (
                    "is_sponsor_person",
                    "BOOLEAN",
                    "derived: the lead sponsor is a person (sponsor-investigator)",
                ),
                ("sponsor_institution", "VARCHAR", "derived: a sponsor-investigator's institution"),
                ("status_group", "VARCHAR", "derived: one of STATUS_GROUPS"),
                ("is_stalled", "BOOLEAN", "derived: still open three or more years after its start"),
                ("search_text", "VARCHAR", "lower-cased text the free-text search looks in"),
            ),
        ),
        Table(
            "trial_conditions",
            "conditions as registered, their MeSH terms and MeSH ancestors",
            ("nct_id", "term_type", "term_order"),
            _columns(
                _NCT,
                ("term_type", "VARCHAR", "condition (as registered), mesh, or mesh_ancestor"),
                ("term_order", "INTEGER", "position of the term in the record"),
                ("term", "VARCHAR", "the condition or MeSH term"),
                ("mesh_id", "VARCHAR", "MeSH identifier (MeSH terms only)"),
            ),
        ),
        Table(
            "trial_interventions",
            "interventions as registered",
            ("nct_id", "intervention_order"),
            _columns(
                _NCT,
                ("intervention_order", "INTEGER", "position of the intervention in the record"),
                ("intervention_type", "VARCHAR", "registry intervention type (API enum, e.g. BIOLOGICAL)"),
                ("name", "VARCHAR", "intervention name as registered"),
                ("other_names", "VARCHAR[]", "other names as registered"),
                ("description", "VARCHAR", "intervention description as registered"),
            ),
        ),
        Table(
            "trial_sponsors",
            "lead sponsor and collaborators as registered",
            ("nct_id", "role", "sponsor_order"),
            _columns(
                _NCT,
                ("role", "VARCHAR", "lead or collaborator"),
                ("sponsor_order", "INTEGER", "position within the role"),
                ("name", "VARCHAR", "sponsor name as registered"),
                ("agency_class", "VARCHAR", "registry's agency class (API enum)"),
            ),
        ),
        Table(
            "trial_sites",
            "sites: facility, city, country, recruitment status, coordinates",
            ("nct_id", "site_order"),
            _columns(
                _NCT,
                ("site_order", "INTEGER", "position of the site in the record"),
                ("facility", "VARCHAR", "facility name"),
                ("city", "VARCHAR", "city"),
                ("state", "VARCHAR", "state or region"),
                ("country", "VARCHAR", "country"),
                ("site_status", "VARCHAR", "the site's recruitment status"),
                ("latitude", "DOUBLE", "latitude as registered (not stated for some sites)"),
                ("longitude", "DOUBLE", "longitude as registered (not stated for some sites)"),
            ),
        ),
        Table(
            "trial_targets",
            "target antigens per trial (derived), one row per antigen",
            ("nct_id", "antigen"),
            _columns(
                _NCT,
                ("antigen", "VARCHAR", "one antigen the trial's CAR targets"),
                ("is_caar", "BOOLEAN", "the antigen is presented by a CAAR (an autoantigen), not bound"),
            ),
        ),
        Table(
            "trial_condition_entities",
            "autoimmune conditions per trial (derived), grouped into families",
            ("nct_id", "condition_entity"),
            _columns(
                _NCT,
                ("condition_entity", "VARCHAR", "one condition the trial treats"),
                ("condition_family", "VARCHAR", "its family (CONDITION_FAMILIES)"),
                ("is_primary", "BOOLEAN", "the trial's primary condition"),
                ("organ", "VARCHAR", "organ the condition affects, when it is organ-specific (data/vocab)"),
            ),
        ),
        Table(
            "trial_organ_tags",
            "organs a trial's conditions affect (derived), one row per condition with an organ",
            ("nct_id", "organ", "condition_entity"),
            _columns(
                _NCT,
                ("organ", "VARCHAR", "the organ (kidney, skin, nervous system ...)"),
                ("condition_entity", "VARCHAR", "the condition that affects it"),
            ),
        ),
        Table(
            "classification_evidence",
            "why each derived label was given: rule, matched words and field (one row per supporting match)",
            (),
            _columns(
                _NCT,
                ("axis", "VARCHAR", "which label: target, modality, condition, sponsor ..."),
                ("label", "VARCHAR", "the derived label"),
                ("rule", "VARCHAR", "the rule that gave the label"),
                ("matched_term", "VARCHAR", "the words that matched"),
                ("field", "VARCHAR", "the registry field the words were found in"),
            ),
        ),
        Table(
            "inclusion_ledger",
            "how many records were fetched, kept and excluded at each step, and why",
            ("stage", "reason"),
            _columns(
                ("stage", "VARCHAR", "the step: fetched, CAR-based, autoimmune, excluded ..."),
                ("reason", "VARCHAR", "what the count is"),
                ("trial_count", "BIGINT", "number of trials"),
            ),
        ),
        Table(
            "eligibility_thresholds",
            "numeric thresholds found in eligibility criteria text (or curated), with the span quoted",
            ("nct_id", "threshold_order"),
            _columns(
                _NCT,
                ("threshold_order", "INTEGER", "position of the threshold in the text"),
                ("section", "VARCHAR", "inclusion or exclusion"),
                ("measure", "VARCHAR", "eligibility measure (eligibility_measures.measure)"),
                ("op", "VARCHAR", "comparison as written (>=, <, range ...)"),
                ("value", "DOUBLE", "the value, in the measure's unit"),
                ("value_high", "DOUBLE", "upper end of a range"),
                ("unit", "VARCHAR", "unit the value is stated in"),
                ("span", "VARCHAR", "the criteria text the threshold was read from"),
                ("source", "VARCHAR", "extracted (parser) or curated (data/curated)"),
                (
                    "qualifier",
                    "VARCHAR",
                    "NULL, or alternative / exception: the limit is one of several options",
                ),
            ),
        ),
        Table(
            "eligibility_requirements",
            "per trial and measure, the window of values a patient may have (exclusions inverted, tightest)",
            ("nct_id", "measure"),
            _columns(
                _NCT,
                ("measure", "VARCHAR", "eligibility measure (eligibility_measures.measure)"),
                ("unit", "VARCHAR", "the measure's unit"),
                ("min_value", "DOUBLE", "lowest value admitted (not stated: no lower limit)"),
                ("min_inclusive", "BOOLEAN", "min_value itself is admitted"),
                ("max_value", "DOUBLE", "highest value admitted (not stated: no upper limit)"),
                ("max_inclusive", "BOOLEAN", "max_value itself is admitted"),
                ("n_thresholds", "INTEGER", "how many thresholds combined into this window"),
                ("source", "VARCHAR", "extracted, curated, or extracted+curated"),
                ("is_satisfiable", "BOOLEAN", "false when the limits contradict each other (empty window)"),
            ),
        ),
        Table(
            "trial_age_limits",
            "age limits per trial from the registry's age fields and from the criteria text",
            ("nct_id",),
            _columns(
                _NCT,
                ("structured_min_age_years", "DOUBLE", "minimum age from the registry's age field"),
                ("structured_max_age_years", "DOUBLE", "maximum age from the registry's age field"),
                ("text_min_age_years", "DOUBLE", "minimum age stated in the criteria text"),
                ("text_max_age_years", "DOUBLE", "maximum age stated in the criteria text"),
                ("has_age_conflict", "BOOLEAN", "the registry fields and the text disagree"),
            ),
        ),
        Table(
            "eligibility_measures",
            "the measures thresholds are recognised for (data/vocab/eligibility_measures.csv)",
            ("measure",),
            _columns(
                ("measure", "VARCHAR", "measure name, quantity then unit, e.g. egfr_ml_min_1_73m2"),
                ("unit", "VARCHAR", "the measure's unit"),
                ("description", "VARCHAR", "what the measure is"),
                ("label", "VARCHAR", "short name the pages show, e.g. eGFR"),
            ),
        ),
        Table(
            "refreshes",
            "one row per pull the warehouse was built from, oldest data first (the latest gives the "
            "current tables)",
            ("refresh_id",),
            _columns(
                ("refresh_id", "BIGINT", "the pull's place in data-timestamp order, 1 for the oldest"),
                ("data_timestamp", "VARCHAR", "the registry's data timestamp (or the stated as-of date)"),
                ("data_date", "DATE", "the data timestamp's date"),
                (
                    "data_timestamp_basis",
                    "VARCHAR",
                    "how the data timestamp is known: registry, meta.json, --as-of or import time",
                ),
                ("source_kind", "VARCHAR", "bundled, live pull or file import"),
                ("source", "VARCHAR", "where the records came from, as the pull recorded it"),
                ("pull", "VARCHAR", "the pull's folder, relative to the bundle or the raw folder"),
                ("query", "VARCHAR", "the search: a live pull's request parameters as JSON, else text"),
                ("api_version", "VARCHAR", "the registry API's version, for live pulls"),
                ("fetched_at", "VARCHAR", "when the pull was fetched (UTC)"),
                ("saved_at", "VARCHAR", "when the pull was kept on disk (UTC)"),
                ("loaded_at", "VARCHAR", "when the database was built (UTC)"),
                ("record_count", "BIGINT", "records read from the pull"),
                ("trial_count", "BIGINT", "trials in the pull"),
                ("shown_trial_count", "BIGINT", "of those, trials both CAR-based and autoimmune"),
                ("skipped_count", "BIGINT", "records skipped as unusable"),
                ("problem_count", "BIGINT", "values dropped and records skipped in this pull"),
                (
                    "problems",
                    "VARCHAR",
                    "those problems as a JSON list of {nct_id, field, reason, where, action} (first 500)",
                ),
            ),
        ),
        Table(
            "trial_history",
            "each trial's tracked state over a range of refreshes in which it did not change",
            ("nct_id", "valid_from_refresh_id"),
            _columns(
                _NCT,
                ("valid_from_refresh_id", "BIGINT", "first refresh with this state"),
                ("valid_to_refresh_id", "BIGINT", "last refresh with this state (the trial was in it)"),
                ("overall_status", "VARCHAR", "registry status code (NULL: not stated)"),
                ("status_group", "VARCHAR", "open, active not recruiting, closed or unknown"),
                ("phases", "VARCHAR[]", "registry phase codes"),
                ("phase_label", "VARCHAR", "phase as shown"),
                ("enrollment_count", "BIGINT", "planned or actual enrollment"),
                ("enrollment_type", "VARCHAR", "ESTIMATED or ACTUAL"),
                ("start_date", "DATE", "start date (first day of a partial date)"),
                ("primary_completion_date", "DATE", "primary completion date"),
                ("completion_date", "DATE", "completion date"),
                ("lead_sponsor", "VARCHAR", "lead sponsor as registered"),
                ("brief_title", "VARCHAR", "title"),
                ("conditions", "VARCHAR[]", "conditions as registered"),
                ("countries", "VARCHAR[]", "countries with a site"),
                ("site_count", "BIGINT", "sites listed"),
                ("target", "VARCHAR", "target construct"),
                ("modality", "VARCHAR", "modality"),
                ("is_car_based", "BOOLEAN", "CAR-based at that refresh"),
                ("is_autoimmune", "BOOLEAN", "autoimmune at that refresh"),
                ("targets", "VARCHAR[]", "target antigens"),
                ("sponsor_name", "VARCHAR", "lead sponsor, normalised"),
                ("sponsor_class", "VARCHAR", "sponsor class"),
                ("product_name", "VARCHAR", "named product"),
                ("condition_family", "VARCHAR", "main condition family"),
                ("condition_entity", "VARCHAR", "main condition"),
            ),
        ),
        Table(
            "trial_changes",
            "what changed for a trial between two consecutive refreshes (new, dropped, status, ...)",
            ("nct_id", "to_refresh_id", "kind", "field"),
            _columns(
                _NCT,
                ("from_refresh_id", "BIGINT", "the earlier refresh"),
                ("to_refresh_id", "BIGINT", "the later refresh"),
                ("from_data_timestamp", "VARCHAR", "the earlier refresh's data timestamp"),
                ("to_data_timestamp", "VARCHAR", "the later refresh's data timestamp"),
                ("kind", "VARCHAR", "new, returned, dropped, status, phase, enrollment, a date, ..."),
                ("field", "VARCHAR", "the trial_history column compared (NULL for new, dropped, returned)"),
                ("old_value", "VARCHAR", "its value before, as text (NULL: not stated)"),
                ("new_value", "VARCHAR", "its value after, as text (NULL: not stated)"),
            ),
        ),
        Table(
            VERSION_TABLE,
            "which version of this contract the database was built to",
            (),
            _columns(
                ("schema_version", "INTEGER", "etl/schema.py SCHEMA_VERSION at build time"),
                ("written_at", "VARCHAR", "when the database file was written (UTC)"),
            ),
        ),
    )
}

_POLARS_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.String(),
    "BIGINT": pl.Int64(),
    "INTEGER": pl.Int32(),
    "TINYINT": pl.Int8(),
    "DOUBLE": pl.Float64(),
    "BOOLEAN": pl.Boolean(),
    "DATE": pl.Date(),
    "VARCHAR[]": pl.List(pl.String()),
}


def polars_schema(table: str) -> dict[str, pl.DataType]:
    """The Polars schema of a contract table (for empty frames and casts)."""
    return {c.name: _POLARS_TYPES[c.type] for c in TABLES[table].columns}


def find_contract_mismatches(actual: dict[str, list[tuple[str, str]]]) -> list[str]:
    """What differs between the contract and `actual` (table -> [(column, DuckDB type)] in order)."""
    problems = []
    for name in sorted(set(TABLES) - set(actual)):
        problems.append(f"table {name} is missing")
    for name in sorted(set(actual) - set(TABLES)):
        problems.append(f"table {name} is not in the contract (etl/schema.py)")
    for name in sorted(set(TABLES) & set(actual)):
        expected = [(c.name, c.type) for c in TABLES[name].columns]
        if actual[name] != expected:
            problems.append(f"table {name}: columns {actual[name]} differ from the contract {expected}")
    return problems
