"""API v2 records -> foundation tables, checked field by field on the hand-made fixture records."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from etl.transform.records import build_tables, build_tables_from_frames
from tests.fixtures.records import FIXTURE_RECORDS


@pytest.fixture(scope="module")
def tables() -> dict[str, pl.DataFrame]:
    return build_tables(FIXTURE_RECORDS)


def _trial(tables: dict[str, pl.DataFrame], nct_id: str) -> dict:
    rows = tables["trials"].filter(pl.col("nct_id") == nct_id).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_seed_scleroderma_trial_every_field(tables: dict[str, pl.DataFrame]) -> None:
    t = _trial(tables, "NCT05085444")
    assert t["source_registry"] == "ClinicalTrials.gov"
    assert t["brief_title"].startswith("A Study of CD19/BCMA Chimeric Antigen Receptor T Cells")
    assert t["official_title"] is None and t["acronym"] is None
    assert t["overall_status"] == "UNKNOWN"
    assert t["phases"] == ["EARLY_PHASE1"]
    assert (t["phase_label"], t["phase_rank"]) == ("Early Phase 1", 1)
    assert t["study_type"] == "INTERVENTIONAL"
    assert (t["lead_sponsor"], t["lead_sponsor_class"]) == ("Zhejiang University", "OTHER")
    assert (t["enrollment_count"], t["enrollment_type"]) == (9, "ESTIMATED")
    assert (t["start_date"], t["start_date_precision"]) == (dt.date(2021, 10, 8), "day")
    assert (t["completion_date"], t["completion_date_precision"]) == (dt.date(2024, 10, 8), "day")
    assert (t["last_update_date"], t["last_update_date_precision"]) == (dt.date(2021, 10, 20), "day")
    assert t["primary_completion_date"] is None and t["primary_completion_date_precision"] is None
    assert t["first_posted_date"] is None
    assert t["min_age_years"] is None and t["max_age_years"] is None
    assert t["sex"] == "ALL"
    assert t["accepts_healthy_volunteers"] is False
    assert "Estimated survival time\\> 12 weeks" in t["eligibility_criteria"]
    assert t["countries"] == ["China"]

    sponsors = (
        tables["trial_sponsors"].filter(pl.col("nct_id") == "NCT05085444").sort("role", descending=True)
    )
    assert sponsors.select("role", "name", "agency_class").rows() == [
        ("lead", "Zhejiang University", "OTHER"),
        ("collaborator", "Yake Biotechnology Ltd.", "INDUSTRY"),
    ]
    conditions = tables["trial_conditions"].filter(pl.col("nct_id") == "NCT05085444")
    assert conditions.select("term_type", "term_order", "term").rows() == [
        ("condition", 1, "Scleroderma"),
        ("condition", 2, "Autoimmune Diseases"),
    ]
    interventions = tables["trial_interventions"].filter(pl.col("nct_id") == "NCT05085444").to_dicts()
    assert interventions == [
        {
            "nct_id": "NCT05085444",
            "intervention_order": 1,
            "intervention_type": "BIOLOGICAL",
            "name": "CD19/BCMA CAR T-cells",
            "other_names": ["CD19/BCMA CAR T-cells injection"],
            "description": None,
        }
    ]
    site = tables["trial_sites"].filter(pl.col("nct_id") == "NCT05085444").to_dicts()[0]
    assert site["facility"].startswith("The First Affiliated Hospital")
    assert (site["city"], site["state"], site["country"], site["site_status"]) == (
        "Hangzhou",
        "Zhejiang",
        "China",
        "RECRUITING",
    )
    assert site["latitude"] == pytest.approx(30.29365) and site["longitude"] == pytest.approx(120.16142)


def test_seed_systemic_sclerosis_trial(tables: dict[str, pl.DataFrame]) -> None:
    t = _trial(tables, "NCT06792344")
    assert (
        t["brief_title"] == "Clinical Study of CD19 CAR-T in the Treatment of Refractory Systemic Sclerosis"
    )
    assert (t["overall_status"], t["phase_label"], t["phase_rank"]) == ("RECRUITING", "Phase 1", 2)
    assert t["lead_sponsor"] == "THE CHILDREN'S HOSPITAL OF ZHEJIANG UNIVERSITY SCHOOL OF MEDICINE"
    assert t["min_age_years"] == 5.0 and t["max_age_years"] is None
    assert (t["first_posted_date"], t["first_posted_date_precision"]) == (dt.date(2025, 1, 20), "day")
    assert t["start_date"] is None and t["enrollment_count"] is None
    assert "mRSS) ≥15 points" in t["eligibility_criteria"]
    mesh = tables["trial_conditions"].filter(
        (pl.col("nct_id") == "NCT06792344") & (pl.col("term_type") != "condition")
    )
    assert mesh.select("term_type", "term", "mesh_id").rows() == [
        ("mesh", "Scleroderma, Systemic", "D012595"),
        ("mesh_ancestor", "Connective Tissue Diseases", "D003240"),
        ("mesh_ancestor", "Autoimmune Diseases", "D001327"),
    ]


def test_partial_dates_keep_their_precision(tables: dict[str, pl.DataFrame]) -> None:
    t = _trial(tables, "NCT09000001")
    assert (t["start_date"], t["start_date_precision"]) == (dt.date(2023, 6, 1), "month")
    assert (t["primary_completion_date"], t["primary_completion_date_precision"]) == (
        dt.date(2026, 12, 1),
        "month",
    )
    t = _trial(tables, "NCT09000006")
    assert (t["start_date"], t["start_date_precision"]) == (dt.date(2019, 1, 1), "year")


def test_phase_label_for_combined_phases_and_ages(tables: dict[str, pl.DataFrame]) -> None:
    t = _trial(tables, "NCT09000001")
    assert (t["phase_label"], t["phase_rank"]) == ("Phase 1/2", 3)
    assert (t["min_age_years"], t["max_age_years"]) == (18.0, 65.0)
    assert t["countries"] == ["Germany", "United States"]


def test_one_row_per_trial_and_every_side_table_keyed(tables: dict[str, pl.DataFrame]) -> None:
    trials = tables["trials"]
    assert trials.height == len(FIXTURE_RECORDS)
    assert trials["nct_id"].is_unique().all()
    for name, key in (
        ("trial_conditions", ["nct_id", "term_type", "term_order"]),
        ("trial_interventions", ["nct_id", "intervention_order"]),
        ("trial_sponsors", ["nct_id", "role", "sponsor_order"]),
        ("trial_sites", ["nct_id", "site_order"]),
    ):
        frame = tables[name]
        assert frame.height > 0
        assert not frame.select(key).is_duplicated().any(), name
        assert set(frame["nct_id"]) <= set(trials["nct_id"]), name


def test_wrong_types_and_missing_modules_become_nulls() -> None:
    odd = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT09999999", "briefTitle": "  "},
            "designModule": {"enrollmentInfo": {"count": "many"}, "phases": "PHASE1"},
            "statusModule": {"startDateStruct": {"date": "sometime"}},
            "eligibilityModule": {"minimumAge": "N/A", "maximumAge": "6 Months"},
        }
    }
    t = build_tables([odd])["trials"].to_dicts()[0]
    assert t["brief_title"] is None
    assert t["enrollment_count"] is None
    assert t["start_date"] is None and t["start_date_precision"] is None
    assert t["min_age_years"] is None and t["max_age_years"] == pytest.approx(0.5)
    assert t["overall_status"] == "UNKNOWN"
    assert t["phase_label"] == "Not stated"


def test_duplicate_records_keep_the_last() -> None:
    first = {"protocolSection": {"identificationModule": {"nctId": "NCT09999998", "briefTitle": "old"}}}
    second = {"protocolSection": {"identificationModule": {"nctId": "NCT09999998", "briefTitle": "new"}}}
    trials = build_tables([first, second])["trials"]
    assert trials["brief_title"].to_list() == ["new"]


def test_no_records_gives_empty_tables_with_columns() -> None:
    tables = build_tables([])
    assert tables["trials"].height == 0
    assert "nct_id" in tables["trials"].columns and "phase_rank" in tables["trials"].columns


def _dated(nct_id: str, title: str, updated: str | None, sites: list[dict] | None = None) -> dict:
    status = {"lastUpdatePostDateStruct": {"date": updated}} if updated else {}
    protocol: dict = {
        "identificationModule": {"nctId": nct_id, "briefTitle": title},
        "statusModule": status,
        "contactsLocationsModule": {"locations": sites or []},
    }
    return {"protocolSection": protocol}


def test_duplicate_records_keep_the_latest_last_update_not_the_last_in_file() -> None:
    newest = _dated("NCT09999997", "newest", "2025-03-01", [{"facility": "new site"}])
    older = _dated("NCT09999997", "older", "2024-12", [{"facility": "old site"}])
    undated = _dated("NCT09999997", "undated", None)
    tables = build_tables([newest, older, undated])
    assert tables["trials"]["brief_title"].to_list() == ["newest"]
    assert tables["trial_sites"]["facility"].to_list() == ["new site"]  # the chosen copy's rows


def test_out_of_range_numbers_are_dropped_from_their_field_and_reported() -> None:
    from etl.transform.records import frame_records

    def with_values(nct_id: str, count: object, lat: object) -> dict:
        record = _dated(nct_id, nct_id, "2025-01-01", [{"facility": "f", "geoPoint": {"lat": lat, "lon": 1}}])
        record["protocolSection"]["designModule"] = {"enrollmentInfo": {"count": count}}
        return record

    records = [
        with_values("NCT00000001", 2**64, 1e308),
        with_values("NCT00000002", 1e308, 10**400),
        with_values("NCT00000003", 12, 45.5),
        with_values("NCT00000004", -5, float("nan")),
    ]
    problems: list = []
    frames = frame_records(records, problems)
    tables = build_tables_from_frames(frames)
    counts = dict(zip(tables["trials"]["nct_id"], tables["trials"]["enrollment_count"], strict=True))
    assert counts == {"NCT00000001": None, "NCT00000002": None, "NCT00000003": 12, "NCT00000004": None}
    assert tables["trial_sites"]["latitude"].to_list() == [None, None, 45.5, None]
    described = [p.describe() for p in problems]
    assert (
        "NCT00000001 designModule.enrollmentInfo.count: 18446744073709551616 is out of range "
        "(0..2147483647) (value dropped)"
    ) in described
    assert any(d.startswith("NCT00000002 designModule.enrollmentInfo.count: 1e+308") for d in described)
    lat = "NCT00000001 locations[1].geoPoint.lat: 1e+308 is out of range"
    assert any(d.startswith(lat) for d in described)
    assert any(d.startswith("NCT00000004 locations[1].geoPoint.lat: nan") for d in described)
    assert len(problems) == 6


def test_text_that_is_not_valid_unicode_is_dropped_and_reported() -> None:
    from etl.transform.records import frame_records

    bad = _dated("NCT00000001", "broken \ud800 title", "2025-01-01")
    problems: list = []
    tables = build_tables_from_frames(frame_records([bad, _dated("NCT00000002", "fine", None)], problems))
    assert tables["trials"]["brief_title"].to_list() == [None, "fine"]
    assert [(p.nct_id, p.field) for p in problems] == [("NCT00000001", "brief_title")]
