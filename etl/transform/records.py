"""API v2 study records -> normalized trial tables (pure Polars, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import polars as pl

from etl.problems import DataProblem
from etl.transform.dates import (
    classify_date_precision,
    label_phases,
    parse_age_years,
    parse_partial_date,
    rank_phase_label,
)

SOURCE_REGISTRY = "ClinicalTrials.gov"


def _text(value: object) -> str | None:
    """A registry string, or None for anything else (a wrong type is treated as absent)."""
    return value if isinstance(value, str) else None


# Counts are stored as 64-bit integers; no trial enrols anywhere near this many people, so a
# larger number is a broken value (2**64, 1e308), dropped and reported rather than crashing a build.
MAX_COUNT = 2**31 - 1


def _count(value: object) -> tuple[int | None, str | None]:
    """A registry count (0..MAX_COUNT) and, when a number had to be dropped, why."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, None  # absent or the wrong type: "not stated", as before
    if isinstance(value, float) and not value.is_integer():
        return None, f"{value!r} is not a whole number"
    if not 0 <= value <= MAX_COUNT:
        return None, f"{value!r} is out of range (0..{MAX_COUNT})"
    return int(value), None


def _coordinate(value: object, limit: float) -> tuple[float | None, str | None]:
    """A latitude (limit 90) or longitude (limit 180) and, when a number had to be dropped, why."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, None
    try:
        number = float(value)
    except OverflowError:
        return None, f"{value!r} is out of range (-{limit:g}..{limit:g})"
    if not math.isfinite(number) or not -limit <= number <= limit:
        return None, f"{value!r} is out of range (-{limit:g}..{limit:g})"
    return number, None


def _shorten(reason: str, limit: int = 160) -> str:
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


# List cells travel as one joined string: building a Polars list column from Python lists
# costs a Series per row, splitting one string column is a single vectorized step.
_LIST_SEPARATOR = "\x1f"


def _joined_texts(value: object) -> str:
    if not isinstance(value, list):
        return ""
    return _LIST_SEPARATOR.join(v.replace(_LIST_SEPARATOR, " ") for v in value if isinstance(v, str))


def _split_lists(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """Turn joined-string cells back into list columns ('' -> [])."""
    return frame.with_columns(
        pl.when(pl.col(c) == "")
        .then(pl.lit([], dtype=pl.List(pl.String)))
        .otherwise(pl.col(c).str.split(_LIST_SEPARATOR))
        .alias(c)
        for c in columns
    )


def _texts(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dicts(value: object) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _get(mapping: object, key: str) -> dict:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, dict) else {}


# Flat string columns read from each study; dates and ages stay text until the Polars step.
STUDY_COLUMNS: dict[str, pl.DataType] = {
    "nct_id": pl.String,
    "brief_title": pl.String,
    "official_title": pl.String,
    "acronym": pl.String,
    "brief_summary": pl.String,
    "detailed_description": pl.String,
    "arm_descriptions": pl.List(pl.String),
    "keywords": pl.List(pl.String),
    "overall_status": pl.String,
    "start_date_text": pl.String,
    "primary_completion_date_text": pl.String,
    "completion_date_text": pl.String,
    "first_posted_date_text": pl.String,
    "last_update_date_text": pl.String,
    "phases": pl.List(pl.String),
    "study_type": pl.String,
    "lead_sponsor": pl.String,
    "lead_sponsor_class": pl.String,
    "responsible_party_name": pl.String,
    "responsible_party_affiliation": pl.String,
    "enrollment_count": pl.Int64,
    "enrollment_type": pl.String,
    "min_age_text": pl.String,
    "max_age_text": pl.String,
    "sex": pl.String,
    "accepts_healthy_volunteers": pl.Boolean,
    "eligibility_criteria": pl.String,
}
CONDITION_COLUMNS = {
    "nct_id": pl.String,
    "term_type": pl.String,
    "term_order": pl.Int32,
    "term": pl.String,
    "mesh_id": pl.String,
}
INTERVENTION_COLUMNS = {
    "nct_id": pl.String,
    "intervention_order": pl.Int32,
    "intervention_type": pl.String,
    "name": pl.String,
    "other_names": pl.List(pl.String),
    "description": pl.String,
}
SPONSOR_COLUMNS = {
    "nct_id": pl.String,
    "role": pl.String,
    "sponsor_order": pl.Int32,
    "name": pl.String,
    "agency_class": pl.String,
}
SITE_COLUMNS = {
    "nct_id": pl.String,
    "site_order": pl.Int32,
    "facility": pl.String,
    "city": pl.String,
    "state": pl.String,
    "country": pl.String,
    "site_status": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
}

# Side rows remember which record they came from, so a repeated NCT ID keeps its chosen copy's rows.
_INDEX = {"_record_index": pl.UInt32}

_DATE_KEYS = {
    "start_date_text": "startDateStruct",
    "primary_completion_date_text": "primaryCompletionDateStruct",
    "completion_date_text": "completionDateStruct",
    "first_posted_date_text": "studyFirstPostDateStruct",
    "last_update_date_text": "lastUpdatePostDateStruct",
}


def frame_records(
    records: Iterable[dict], problems: list[DataProblem] | None = None
) -> dict[str, pl.DataFrame]:
    """Flatten raw records into typed row frames (one pass; wrong-typed fields become null).

    A plain loop over dicts is several times faster than Polars' nested-struct inference here,
    and it tolerates the odd record whose field has the wrong JSON type. A number no column can
    hold (an enrollment of 2**64, a latitude of 1e308) or text that is not valid Unicode is
    dropped from its field and described in `problems` (NCT ID, field, reason); the rest loads.
    """
    found: list[DataProblem] = [] if problems is None else problems

    def drop(nct_id: str, field: str, reason: str | None) -> None:
        if reason:
            found.append(DataProblem(reason=_shorten(reason), nct_id=nct_id, field=field))

    studies: dict[str, list] = {name: [] for name in STUDY_COLUMNS}
    conditions: list[tuple] = []
    interventions: list[tuple] = []
    sponsors: list[tuple] = []
    sites: list[tuple] = []
    for record in records:
        protocol = _get(record, "protocolSection")
        ident = _get(protocol, "identificationModule")
        nct_id = _text(ident.get("nctId"))
        if nct_id is None:
            continue
        nct_id = nct_id.strip()
        index = len(studies["nct_id"])
        status = _get(protocol, "statusModule")
        sponsor_module = _get(protocol, "sponsorCollaboratorsModule")
        lead = _get(sponsor_module, "leadSponsor")
        conditions_module = _get(protocol, "conditionsModule")
        design = _get(protocol, "designModule")
        enrollment = _get(design, "enrollmentInfo")
        eligibility = _get(protocol, "eligibilityModule")
        healthy = eligibility.get("healthyVolunteers")
        enrollment_count, why = _count(enrollment.get("count"))
        drop(nct_id, "designModule.enrollmentInfo.count", why)
        description = _get(protocol, "descriptionModule")
        arms = _get(protocol, "armsInterventionsModule")
        responsible = _get(sponsor_module, "responsibleParty")
        arm_texts = [_text(a.get("description")) for a in _dicts(arms.get("armGroups"))]
        row = {
            "nct_id": nct_id,
            "brief_title": _text(ident.get("briefTitle")),
            "official_title": _text(ident.get("officialTitle")),
            "acronym": _text(ident.get("acronym")),
            "brief_summary": _text(description.get("briefSummary")),
            "detailed_description": _text(description.get("detailedDescription")),
            "arm_descriptions": _joined_texts([t for t in arm_texts if t]),
            "keywords": _joined_texts(conditions_module.get("keywords")),
            "overall_status": _text(status.get("overallStatus")),
            "phases": _joined_texts(design.get("phases")),
            "study_type": _text(design.get("studyType")),
            "lead_sponsor": _text(lead.get("name")),
            "lead_sponsor_class": _text(lead.get("class")),
            # A sponsor-investigator's record names the person and, usually, their institution here.
            "responsible_party_name": _text(responsible.get("investigatorFullName")),
            "responsible_party_affiliation": _text(responsible.get("investigatorAffiliation")),
            "enrollment_count": enrollment_count,
            "enrollment_type": _text(enrollment.get("type")),
            "min_age_text": _text(eligibility.get("minimumAge")),
            "max_age_text": _text(eligibility.get("maximumAge")),
            "sex": _text(eligibility.get("sex")),
            "accepts_healthy_volunteers": healthy if isinstance(healthy, bool) else None,
            "eligibility_criteria": _text(eligibility.get("eligibilityCriteria")),
        }
        for column, key in _DATE_KEYS.items():
            row[column] = _text(_get(status, key).get("date"))
        for name, values in studies.items():
            values.append(row[name])
        for order, term in enumerate(_texts(conditions_module.get("conditions")), 1):
            conditions.append((nct_id, "condition", order, term, None, index))
        browse = _get(_get(record, "derivedSection"), "conditionBrowseModule")
        for term_type, key in (("mesh", "meshes"), ("mesh_ancestor", "ancestors")):
            for order, mesh in enumerate(_dicts(browse.get(key)), 1):
                conditions.append(
                    (nct_id, term_type, order, _text(mesh.get("term")), _text(mesh.get("id")), index)
                )
        for order, item in enumerate(_dicts(arms.get("interventions")), 1):
            interventions.append(
                (
                    nct_id,
                    order,
                    _text(item.get("type")),
                    _text(item.get("name")),
                    _joined_texts(item.get("otherNames")),
                    _text(item.get("description")),
                    index,
                )
            )
        if lead:
            sponsors.append((nct_id, "lead", 1, _text(lead.get("name")), _text(lead.get("class")), index))
        for order, item in enumerate(_dicts(sponsor_module.get("collaborators")), 1):
            sponsors.append(
                (nct_id, "collaborator", order, _text(item.get("name")), _text(item.get("class")), index)
            )
        locations = _get(protocol, "contactsLocationsModule").get("locations")
        for order, site in enumerate(_dicts(locations), 1):
            geo = _get(site, "geoPoint")
            latitude, why = _coordinate(geo.get("lat"), 90.0)
            drop(nct_id, f"locations[{order}].geoPoint.lat", why)
            longitude, why = _coordinate(geo.get("lon"), 180.0)
            drop(nct_id, f"locations[{order}].geoPoint.lon", why)
            sites.append(
                (
                    nct_id,
                    order,
                    _text(site.get("facility")),
                    _text(site.get("city")),
                    _text(site.get("state")),
                    _text(site.get("country")),
                    _text(site.get("status")),
                    latitude,
                    longitude,
                    index,
                )
            )
    joined_study_schema = {
        k: pl.String if k in ("keywords", "phases", "arm_descriptions") else v
        for k, v in STUDY_COLUMNS.items()
    }
    joined_interventions = {**INTERVENTION_COLUMNS, "other_names": pl.String, **_INDEX}
    try:
        return _make_frames(
            studies, conditions, interventions, sponsors, sites, joined_study_schema, joined_interventions
        )
    except UnicodeEncodeError:
        # Rare (a JSON "\ud800" escape): find and drop the offending texts, then build again.
        side_rows = [
            (conditions, "conditions", list(CONDITION_COLUMNS)),
            (interventions, "interventions", list(INTERVENTION_COLUMNS)),
            (sponsors, "sponsors", list(SPONSOR_COLUMNS)),
            (sites, "locations", list(SITE_COLUMNS)),
        ]
        _drop_unencodable_texts(studies, side_rows, found)
        return _make_frames(
            studies, conditions, interventions, sponsors, sites, joined_study_schema, joined_interventions
        )


def _is_encodable(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_UNENCODABLE = "text is not valid Unicode (a lone surrogate escape)"


def _drop_unencodable_texts(
    studies: dict[str, list], side_rows: list[tuple[list[tuple], str, list[str]]], found: list[DataProblem]
) -> None:
    """Replace texts that cannot be stored (lone surrogates) with null, reporting each."""
    nct_ids = studies["nct_id"]
    for column, values in studies.items():
        for i, value in enumerate(values):
            if not _is_encodable(value):
                values[i] = None
                found.append(DataProblem(reason=_UNENCODABLE, nct_id=nct_ids[i], field=column))
    for rows, table, names in side_rows:
        for i, row in enumerate(rows):
            if all(_is_encodable(v) for v in row):
                continue
            bad = [j for j, v in enumerate(row) if not _is_encodable(v)]
            rows[i] = tuple(None if j in bad else v for j, v in enumerate(row))
            nct_id = row[0] if isinstance(row[0], str) else None
            for j in bad:
                found.append(DataProblem(reason=_UNENCODABLE, nct_id=nct_id, field=f"{table}.{names[j]}"))


def _make_frames(
    studies: dict[str, list],
    conditions: list[tuple],
    interventions: list[tuple],
    sponsors: list[tuple],
    sites: list[tuple],
    joined_study_schema: dict[str, pl.DataType],
    joined_intervention_schema: dict[str, pl.DataType],
) -> dict[str, pl.DataFrame]:
    return {
        "studies": _split_lists(
            pl.DataFrame(studies, schema=joined_study_schema), ("keywords", "phases", "arm_descriptions")
        ),
        "conditions": pl.DataFrame(conditions, schema={**CONDITION_COLUMNS, **_INDEX}, orient="row"),
        "interventions": _split_lists(
            pl.DataFrame(interventions, schema=joined_intervention_schema, orient="row"), ("other_names",)
        ),
        "sponsors": pl.DataFrame(sponsors, schema={**SPONSOR_COLUMNS, **_INDEX}, orient="row"),
        "sites": pl.DataFrame(sites, schema={**SITE_COLUMNS, **_INDEX}, orient="row"),
    }


def _clean_text(expr: pl.Expr) -> pl.Expr:
    """Trim registry text; empty strings mean 'not stated'."""
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def select_trials(studies: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:
    """One row per study with the foundation columns (expects one row per NCT ID)."""
    date_columns: list[pl.Expr] = []
    for column in _DATE_KEYS:
        out_name = column.removesuffix("_text")
        date_columns.append(parse_partial_date(pl.col(column)).alias(out_name))
        date_columns.append(classify_date_precision(pl.col(column)).alias(f"{out_name}_precision"))
    countries = (
        sites.filter(pl.col("country").is_not_null())
        .group_by("nct_id")
        .agg(pl.col("country").str.strip_chars().unique().sort().alias("countries"))
    )
    text_columns = [
        "brief_title",
        "official_title",
        "acronym",
        "brief_summary",
        "detailed_description",
        "study_type",
        "lead_sponsor",
        "lead_sponsor_class",
        "responsible_party_name",
        "responsible_party_affiliation",
        "enrollment_type",
        "sex",
        "eligibility_criteria",
    ]
    return (
        studies.with_columns(
            pl.lit(SOURCE_REGISTRY).alias("source_registry"),
            *[_clean_text(pl.col(c)).alias(c) for c in text_columns],
            _clean_text(pl.col("overall_status")).fill_null("UNKNOWN").alias("overall_status"),
            label_phases(pl.col("phases")).alias("phase_label"),
            *date_columns,
            parse_age_years(pl.col("min_age_text")).alias("min_age_years"),
            parse_age_years(pl.col("max_age_text")).alias("max_age_years"),
        )
        .with_columns(rank_phase_label(pl.col("phase_label")).alias("phase_rank"))
        .join(countries, on="nct_id", how="left")
        .with_columns(pl.col("countries").fill_null([]))
        .select(
            "nct_id",
            "source_registry",
            "brief_title",
            "official_title",
            "acronym",
            "brief_summary",
            "detailed_description",
            "arm_descriptions",
            "keywords",
            "overall_status",
            "phases",
            "phase_label",
            "phase_rank",
            "study_type",
            "lead_sponsor",
            "lead_sponsor_class",
            "responsible_party_name",
            "responsible_party_affiliation",
            "enrollment_count",
            "enrollment_type",
            *[
                c
                for pair in (
                    (n.removesuffix("_text"), n.removesuffix("_text") + "_precision") for n in _DATE_KEYS
                )
                for c in pair
            ],
            "min_age_years",
            "max_age_years",
            "sex",
            "accepts_healthy_volunteers",
            "eligibility_criteria",
            "countries",
        )
        .sort("nct_id")
    )


def keep_latest_copies(studies: pl.DataFrame) -> pl.DataFrame:
    """One row per NCT ID: the copy with the latest lastUpdatePostDate (later in the input on a tie).

    A copy with no readable date loses to one with a date. `_record_index` is kept so the side
    tables can keep the rows of the chosen copy only.
    """
    return (
        studies.with_row_index("_record_index")
        .with_columns(parse_partial_date(pl.col("last_update_date_text")).alias("_updated"))
        .sort(["_updated", "_record_index"], nulls_last=False)
        .unique("nct_id", keep="last", maintain_order=True)
        .sort("_record_index")
        .drop("_updated")
    )


def build_tables_from_frames(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The five foundation tables from the frames made by `frame_records` (records may repeat)."""
    studies = keep_latest_copies(frames["studies"])
    keep = studies.select("nct_id", "_record_index")
    # Side rows carry the index of the record they came from, so a repeated study keeps only
    # the rows of the copy chosen above.
    side = {}
    for name, frame in (
        ("conditions", frames["conditions"]),
        ("interventions", frames["interventions"]),
        ("sponsors", frames["sponsors"]),
        ("sites", frames["sites"]),
    ):
        side[name] = frame.join(keep, on=["nct_id", "_record_index"], how="semi").drop("_record_index")
    conditions = (
        side["conditions"]
        .with_columns(_clean_text(pl.col("term")).alias("term"))
        .filter(pl.col("term").is_not_null())
    )
    interventions = side["interventions"].with_columns(
        *[_clean_text(pl.col(c)).alias(c) for c in ("intervention_type", "name", "description")]
    )
    sponsors = (
        side["sponsors"]
        .with_columns(*[_clean_text(pl.col(c)).alias(c) for c in ("name", "agency_class")])
        .filter(pl.col("name").is_not_null())
    )
    sites = side["sites"].with_columns(
        *[_clean_text(pl.col(c)).alias(c) for c in ("facility", "city", "state", "country", "site_status")]
    )
    return {
        "trials": select_trials(studies.drop("_record_index"), sites),
        "trial_conditions": conditions.sort("nct_id", "term_type", "term_order"),
        "trial_interventions": interventions.sort("nct_id", "intervention_order"),
        "trial_sponsors": sponsors.sort("nct_id", "role", "sponsor_order", descending=[False, True, False]),
        "trial_sites": sites.sort("nct_id", "site_order"),
    }


def build_tables(records: Iterable[dict]) -> dict[str, pl.DataFrame]:
    """The five foundation tables from raw API v2 records."""
    return build_tables_from_frames(frame_records(records))
