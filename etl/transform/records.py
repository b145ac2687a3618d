"""API v2 study records -> normalized trial tables (pure Polars, no I/O)."""

from __future__ import annotations

import polars as pl

from etl.transform.dates import (
    classify_date_precision,
    label_phases,
    parse_age_years,
    parse_partial_date,
    rank_phase_label,
)

SOURCE_REGISTRY = "ClinicalTrials.gov"

_S = pl.String
_DATE_STRUCT = pl.Struct({"date": _S, "type": _S})
_NAMED = pl.Struct({"name": _S, "class": _S})
_MESH = pl.List(pl.Struct({"id": _S, "term": _S}))

# Only the fields the project reads. Anything else in a record is kept in the raw pull, not here.
RAW_SCHEMA: dict[str, pl.DataType] = {
    "protocolSection": pl.Struct(
        {
            "identificationModule": pl.Struct(
                {"nctId": _S, "briefTitle": _S, "officialTitle": _S, "acronym": _S}
            ),
            "statusModule": pl.Struct(
                {
                    "overallStatus": _S,
                    "startDateStruct": _DATE_STRUCT,
                    "primaryCompletionDateStruct": _DATE_STRUCT,
                    "completionDateStruct": _DATE_STRUCT,
                    "studyFirstPostDateStruct": _DATE_STRUCT,
                    "lastUpdatePostDateStruct": _DATE_STRUCT,
                }
            ),
            "sponsorCollaboratorsModule": pl.Struct(
                {"leadSponsor": _NAMED, "collaborators": pl.List(_NAMED)}
            ),
            "descriptionModule": pl.Struct({"briefSummary": _S}),
            "conditionsModule": pl.Struct({"conditions": pl.List(_S), "keywords": pl.List(_S)}),
            "designModule": pl.Struct(
                {
                    "studyType": _S,
                    "phases": pl.List(_S),
                    "enrollmentInfo": pl.Struct({"count": pl.Int64, "type": _S}),
                }
            ),
            "armsInterventionsModule": pl.Struct(
                {
                    "interventions": pl.List(
                        pl.Struct(
                            {
                                "type": _S,
                                "name": _S,
                                "description": _S,
                                "otherNames": pl.List(_S),
                            }
                        )
                    )
                }
            ),
            "eligibilityModule": pl.Struct(
                {
                    "eligibilityCriteria": _S,
                    "healthyVolunteers": pl.Boolean,
                    "sex": _S,
                    "minimumAge": _S,
                    "maximumAge": _S,
                }
            ),
            "contactsLocationsModule": pl.Struct(
                {
                    "locations": pl.List(
                        pl.Struct(
                            {
                                "facility": _S,
                                "status": _S,
                                "city": _S,
                                "state": _S,
                                "country": _S,
                                "geoPoint": pl.Struct({"lat": pl.Float64, "lon": pl.Float64}),
                            }
                        )
                    )
                }
            ),
        }
    ),
    "derivedSection": pl.Struct({"conditionBrowseModule": pl.Struct({"meshes": _MESH, "ancestors": _MESH})}),
}

TABLE_NAMES = ("trials", "trial_conditions", "trial_interventions", "trial_sponsors", "trial_sites")

# Registry dates that become DATE columns, with the output column name.
_DATES = {
    "start_date": "startDateStruct",
    "primary_completion_date": "primaryCompletionDateStruct",
    "completion_date": "completionDateStruct",
    "first_posted_date": "studyFirstPostDateStruct",
    "last_update_date": "lastUpdatePostDateStruct",
}


def frame_records(records: list[dict]) -> pl.DataFrame:
    """Put raw records in one typed frame; fields of the wrong type become null rather than fail."""
    if not records:
        return pl.DataFrame(schema=RAW_SCHEMA)
    return pl.from_dicts(records, schema=RAW_SCHEMA, strict=False)


def _module(name: str) -> pl.Expr:
    return pl.col("protocolSection").struct.field(name)


def _field(module: str, *path: str) -> pl.Expr:
    expr = _module(module)
    for part in path:
        expr = expr.struct.field(part)
    return expr


def _clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim registry text; empty strings mean 'not stated'."""
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def select_trials(raw: pl.DataFrame) -> pl.DataFrame:
    """One row per study with the foundation columns (dedup keeps the last record of an NCT ID)."""
    date_columns: list[pl.Expr] = []
    for out_name, struct_name in _DATES.items():
        text = _field("statusModule", struct_name, "date")
        date_columns.append(parse_partial_date(text).alias(out_name))
        date_columns.append(classify_date_precision(text).alias(f"{out_name}_precision"))
    phases = _field("designModule", "phases")
    locations = _field("contactsLocationsModule", "locations")
    frame = raw.select(
        _field("identificationModule", "nctId").str.strip_chars().alias("nct_id"),
        pl.lit(SOURCE_REGISTRY).alias("source_registry"),
        _clean_text(_field("identificationModule", "briefTitle")).alias("brief_title"),
        _clean_text(_field("identificationModule", "officialTitle")).alias("official_title"),
        _clean_text(_field("identificationModule", "acronym")).alias("acronym"),
        _clean_text(_field("descriptionModule", "briefSummary")).alias("brief_summary"),
        _field("conditionsModule", "keywords").fill_null([]).alias("keywords"),
        _clean_text(_field("statusModule", "overallStatus")).fill_null("UNKNOWN").alias("overall_status"),
        phases.fill_null([]).alias("phases"),
        label_phases(phases).alias("phase_label"),
        _clean_text(_field("designModule", "studyType")).alias("study_type"),
        _clean_text(_field("sponsorCollaboratorsModule", "leadSponsor", "name")).alias("lead_sponsor"),
        _clean_text(_field("sponsorCollaboratorsModule", "leadSponsor", "class")).alias("lead_sponsor_class"),
        _field("designModule", "enrollmentInfo", "count").alias("enrollment_count"),
        _clean_text(_field("designModule", "enrollmentInfo", "type")).alias("enrollment_type"),
        *date_columns,
        parse_age_years(_field("eligibilityModule", "minimumAge")).alias("min_age_years"),
        parse_age_years(_field("eligibilityModule", "maximumAge")).alias("max_age_years"),
        _clean_text(_field("eligibilityModule", "sex")).alias("sex"),
        _field("eligibilityModule", "healthyVolunteers").alias("accepts_healthy_volunteers"),
        _clean_text(_field("eligibilityModule", "eligibilityCriteria")).alias("eligibility_criteria"),
        locations.list.eval(pl.element().struct.field("country").str.strip_chars().drop_nulls())
        .list.unique(maintain_order=True)
        .list.sort()
        .fill_null([])
        .alias("countries"),
    )
    return (
        frame.filter(pl.col("nct_id").is_not_null())
        .unique("nct_id", keep="last", maintain_order=True)
        .with_columns(rank_phase_label(pl.col("phase_label")).alias("phase_rank"))
        .sort("nct_id")
    )


def _explode_list(
    raw: pl.DataFrame, list_expr: pl.Expr, order_name: str, nct_ids: pl.DataFrame
) -> pl.DataFrame:
    """One row per list element with its 1-based position, for the studies kept in `trials`."""
    exploded = (
        raw.select(
            _field("identificationModule", "nctId").str.strip_chars().alias("nct_id"),
            list_expr.alias("item"),
        )
        .unique("nct_id", keep="last", maintain_order=True)
        .join(nct_ids, on="nct_id", how="semi")
        .explode("item")
        .filter(pl.col("item").is_not_null())
    )
    return exploded.with_columns((pl.int_range(pl.len()).over("nct_id") + 1).cast(pl.Int32).alias(order_name))


def select_conditions(raw: pl.DataFrame, nct_ids: pl.DataFrame) -> pl.DataFrame:
    """Condition text as registered plus MeSH terms and ancestors from derivedSection."""
    registered = _explode_list(raw, _field("conditionsModule", "conditions"), "term_order", nct_ids).select(
        "nct_id",
        pl.lit("condition").alias("term_type"),
        "term_order",
        pl.col("item").str.strip_chars().alias("term"),
        pl.lit(None, dtype=pl.String).alias("mesh_id"),
    )
    parts = [registered]
    for term_type, key in (("mesh", "meshes"), ("mesh_ancestor", "ancestors")):
        mesh = pl.col("derivedSection").struct.field("conditionBrowseModule").struct.field(key)
        parts.append(
            _explode_list(raw, mesh, "term_order", nct_ids).select(
                "nct_id",
                pl.lit(term_type).alias("term_type"),
                "term_order",
                pl.col("item").struct.field("term").alias("term"),
                pl.col("item").struct.field("id").alias("mesh_id"),
            )
        )
    return pl.concat(parts).filter(pl.col("term").is_not_null() & (pl.col("term") != ""))


def select_interventions(raw: pl.DataFrame, nct_ids: pl.DataFrame) -> pl.DataFrame:
    """One row per registered intervention."""
    items = _field("armsInterventionsModule", "interventions")
    return _explode_list(raw, items, "intervention_order", nct_ids).select(
        "nct_id",
        "intervention_order",
        _clean_text(pl.col("item").struct.field("type")).alias("intervention_type"),
        _clean_text(pl.col("item").struct.field("name")).alias("name"),
        pl.col("item").struct.field("otherNames").fill_null([]).alias("other_names"),
        _clean_text(pl.col("item").struct.field("description")).alias("description"),
    )


def select_sponsors(raw: pl.DataFrame, nct_ids: pl.DataFrame) -> pl.DataFrame:
    """The lead sponsor and every collaborator, each with the registry's agency class."""
    lead = _field("sponsorCollaboratorsModule", "leadSponsor")
    leads = _explode_list(raw, pl.concat_list(lead), "sponsor_order", nct_ids)
    collaborators = _explode_list(
        raw, _field("sponsorCollaboratorsModule", "collaborators"), "sponsor_order", nct_ids
    )
    frames = []
    for role, frame in (("lead", leads), ("collaborator", collaborators)):
        frames.append(
            frame.select(
                "nct_id",
                pl.lit(role).alias("role"),
                "sponsor_order",
                _clean_text(pl.col("item").struct.field("name")).alias("name"),
                _clean_text(pl.col("item").struct.field("class")).alias("agency_class"),
            )
        )
    return pl.concat(frames).filter(pl.col("name").is_not_null())


def select_sites(raw: pl.DataFrame, nct_ids: pl.DataFrame) -> pl.DataFrame:
    """One row per registered location, with its geo point when the registry gives one."""
    items = _field("contactsLocationsModule", "locations")
    site = pl.col("item")
    return _explode_list(raw, items, "site_order", nct_ids).select(
        "nct_id",
        "site_order",
        _clean_text(site.struct.field("facility")).alias("facility"),
        _clean_text(site.struct.field("city")).alias("city"),
        _clean_text(site.struct.field("state")).alias("state"),
        _clean_text(site.struct.field("country")).alias("country"),
        _clean_text(site.struct.field("status")).alias("site_status"),
        site.struct.field("geoPoint").struct.field("lat").alias("latitude"),
        site.struct.field("geoPoint").struct.field("lon").alias("longitude"),
    )


def build_tables_from_frame(raw: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The five foundation tables from a frame made by `frame_records`."""
    trials = select_trials(raw)
    nct_ids = trials.select("nct_id")
    return {
        "trials": trials,
        "trial_conditions": select_conditions(raw, nct_ids),
        "trial_interventions": select_interventions(raw, nct_ids),
        "trial_sponsors": select_sponsors(raw, nct_ids),
        "trial_sites": select_sites(raw, nct_ids),
    }


def build_tables(records: list[dict]) -> dict[str, pl.DataFrame]:
    """The five foundation tables from raw API v2 records."""
    return build_tables_from_frame(frame_records(records))
