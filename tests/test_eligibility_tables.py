"""Eligibility tables: thresholds with curation, the requirement view, age limits, and the CLI."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import polars as pl
import pytest

import etl.vocab
from etl.eligibility import build_eligibility_tables
from etl.eligibility.cli import print_thresholds
from etl.eligibility.curation import load_curated_thresholds
from etl.eligibility.tables import AGE_LIMIT_SCHEMA, REQUIREMENT_SCHEMA, THRESHOLD_SCHEMA
from etl.paths import SNAPSHOT_PATH
from etl.transform.records import build_tables
from etl.vocab import VocabularyError

CURATED_HEADER = "nct_id,action,section,measure,op,value,value_high,unit,span,reason\n"


def make_trials(*rows: tuple[str, str | None, float | None, float | None]) -> pl.DataFrame:
    """A minimal trials frame: nct_id, eligibility_criteria, min_age_years, max_age_years."""
    return pl.DataFrame(
        rows,
        schema={
            "nct_id": pl.String,
            "eligibility_criteria": pl.String,
            "min_age_years": pl.Float64,
            "max_age_years": pl.Float64,
        },
        orient="row",
    )


@pytest.fixture
def curated_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty curated file in a temporary folder, used instead of data/curated."""
    (tmp_path / "eligibility_thresholds.csv").write_text(CURATED_HEADER, encoding="utf-8")
    monkeypatch.setattr(etl.vocab, "CURATED_DIR", tmp_path)
    return tmp_path


def write_curated(folder: Path, *lines: str) -> None:
    """Replace the temporary curated file's rows."""
    (folder / "eligibility_thresholds.csv").write_text(CURATED_HEADER + "".join(f"{x}\n" for x in lines))


def requirement(tables: dict[str, pl.DataFrame], nct_id: str, measure: str) -> dict:
    """One requirement row as a dict."""
    frame = tables["eligibility_requirements"].filter(
        (pl.col("nct_id") == nct_id) & (pl.col("measure") == measure)
    )
    assert frame.height == 1
    return frame.row(0, named=True)


# --- schemas -----------------------------------------------------------------------------------------


def test_empty_input_gives_empty_tables_with_their_schemas(curated_dir: Path) -> None:
    tables = build_eligibility_tables(make_trials())
    assert tables["eligibility_thresholds"].schema == pl.Schema(THRESHOLD_SCHEMA)
    assert tables["eligibility_requirements"].schema == pl.Schema(REQUIREMENT_SCHEMA)
    assert tables["trial_age_limits"].schema == pl.Schema(AGE_LIMIT_SCHEMA)
    assert all(frame.height == 0 for frame in tables.values())


def test_trials_without_text_keep_their_age_row(curated_dir: Path) -> None:
    tables = build_eligibility_tables(make_trials(("NCT00000001", None, 18.0, None)))
    assert tables["eligibility_thresholds"].height == 0
    assert tables["trial_age_limits"].row(0) == ("NCT00000001", 18.0, None, None, None, False)


def test_thresholds_in_text_order_with_provenance(curated_dir: Path) -> None:
    text = (
        "Inclusion Criteria:\n1. Age 18-65 years\n2. eGFR ≥ 30 mL/min/1.73m2\n"
        "Exclusion Criteria:\n1. QTc > 470 ms"
    )
    tables = build_eligibility_tables(
        make_trials(("NCT00000001", text, 18.0, 65.0), ("NCT00000002", text, 18.0, 65.0))
    )
    thresholds = tables["eligibility_thresholds"]
    assert thresholds.schema == pl.Schema(THRESHOLD_SCHEMA)
    first = thresholds.filter(pl.col("nct_id") == "NCT00000001")
    assert first.select(
        "threshold_order", "section", "measure", "op", "value", "value_high", "source"
    ).rows() == [
        (0, "inclusion", "age_years", "range", 18.0, 65.0, "extracted"),
        (1, "inclusion", "egfr_ml_min_1_73m2", ">=", 30.0, None, "extracted"),
        (2, "exclusion", "qtc_ms", ">", 470.0, None, "extracted"),
    ]
    assert thresholds.filter(pl.col("nct_id") == "NCT00000002").height == 3


# --- requirement view --------------------------------------------------------------------------------


def test_exclusions_are_turned_into_requirements(curated_dir: Path) -> None:
    text = (
        "Inclusion Criteria:\n- eGFR ≥ 30 mL/min/1.73m2\n- ALT ≤ 3 × ULN\n"
        "Exclusion Criteria:\n- eGFR < 45 mL/min/1.73m2\n- ALT > 2.5 × ULN\n- QTc ≥ 480 ms\n"
        "- platelets ≤ 50 × 10^9/L"
    )
    tables = build_eligibility_tables(make_trials(("NCT1", text, None, None)))
    egfr = requirement(tables, "NCT1", "egfr_ml_min_1_73m2")
    assert (egfr["min_value"], egfr["min_inclusive"], egfr["max_value"], egfr["n_thresholds"]) == (
        45.0,
        True,
        None,
        2,
    )
    alt = requirement(tables, "NCT1", "alt_x_uln")
    assert (alt["max_value"], alt["max_inclusive"], alt["min_value"]) == (2.5, True, None)
    qtc = requirement(tables, "NCT1", "qtc_ms")
    assert (qtc["max_value"], qtc["max_inclusive"]) == (480.0, False)
    platelets = requirement(tables, "NCT1", "platelets_x10e9_l")
    assert (platelets["min_value"], platelets["min_inclusive"], platelets["unit"]) == (50.0, False, "x10^9/L")


def test_the_tightest_window_wins_and_ties_go_to_the_strict_limit(curated_dir: Path) -> None:
    text = "Inclusion Criteria:\n- Age ≥ 18 years\n- Age 16-70 years\nExclusion Criteria:\n- Age ≤ 18 years"
    tables = build_eligibility_tables(make_trials(("NCT1", text, 18.0, 70.0)))
    age = requirement(tables, "NCT1", "age_years")
    assert (age["min_value"], age["min_inclusive"], age["max_value"], age["max_inclusive"]) == (
        18.0,
        False,
        70.0,
        True,
    )
    assert age["n_thresholds"] == 3 and age["is_satisfiable"]


def test_contradictory_limits_are_flagged(curated_dir: Path) -> None:
    text = "Inclusion Criteria:\n- LVEF ≥ 50%\nExclusion Criteria:\n- LVEF > 40%"
    tables = build_eligibility_tables(make_trials(("NCT1", text, None, None)))
    assert requirement(tables, "NCT1", "lvef_pct")["is_satisfiable"] is False


def test_which_trials_would_admit_egfr_40(curated_dir: Path) -> None:
    trials = make_trials(
        ("NCT1", "Inclusion Criteria:\n- eGFR ≥ 30 mL/min/1.73m2", None, None),
        ("NCT2", "Inclusion Criteria:\n- eGFR ≥ 60 mL/min/1.73m2", None, None),
        ("NCT3", "Exclusion Criteria:\n- eGFR < 40 mL/min/1.73m2", None, None),
        ("NCT4", "Exclusion Criteria:\n- eGFR ≤ 40 mL/min/1.73m2", None, None),
    )
    requirements = build_eligibility_tables(trials)["eligibility_requirements"]
    value = 40.0
    above_min = (
        pl.col("min_value").is_null()
        | (pl.col("min_value") < value)
        | ((pl.col("min_value") == value) & pl.col("min_inclusive"))
    )
    below_max = (
        pl.col("max_value").is_null()
        | (pl.col("max_value") > value)
        | ((pl.col("max_value") == value) & pl.col("max_inclusive"))
    )
    admitted = requirements.filter((pl.col("measure") == "egfr_ml_min_1_73m2") & above_min & below_max)
    assert sorted(admitted.get_column("nct_id")) == ["NCT1", "NCT3"]


def test_exclusions_of_one_value_or_a_range_make_no_window(curated_dir: Path) -> None:
    text = "Exclusion Criteria:\n- Age 40-50 years"
    tables = build_eligibility_tables(make_trials(("NCT1", text, None, None)))
    assert tables["eligibility_thresholds"].height == 1
    assert tables["eligibility_requirements"].height == 0


# --- age limits -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "structured", "expected"),
    [
        ("Age 18-65 years", (18.0, 65.0), (18.0, 65.0, False)),
        ("Age 18-75 years", (18.0, 65.0), (18.0, 75.0, True)),
        ("Age ≥ 16 years", (18.0, None), (16.0, None, True)),
        ("Adults aged ≥ 18 years and < 65 years", (18.0, 64.0), (18.0, 65.0, False)),  # strict: 64 is fine
        ("Be over 18 years of age", (18.0, None), (18.0, None, False)),
        ("Age ≥ 18 years", (None, None), (18.0, None, False)),  # nothing to compare with
        ("No age words at all", (18.0, 70.0), (None, None, False)),
    ],
)
def test_age_limits_from_both_sources(
    curated_dir: Path, text: str, structured: tuple[float | None, float | None], expected: tuple
) -> None:
    tables = build_eligibility_tables(make_trials(("NCT1", f"Inclusion Criteria:\n- {text}", *structured)))
    row = tables["trial_age_limits"].row(0, named=True)
    assert (row["structured_min_age_years"], row["structured_max_age_years"]) == structured
    assert (row["text_min_age_years"], row["text_max_age_years"], row["has_age_conflict"]) == expected


# --- curation -----------------------------------------------------------------------------------------------


def test_curated_add_replace_and_drop(curated_dir: Path) -> None:
    write_curated(
        curated_dir,
        "NCT1,add,inclusion,lvef_pct,>=,50,,%,LVEF ≥ 50%,label",
        "NCT1,replace_measure,inclusion,platelets_x10e9_l,>=,100,,x10^9/L,,registry typo",
        "NCT1,drop_measure,,qtc_ms,,,,,,parser mistake",
        "NCT9,add,inclusion,lvef_pct,>=,50,,%,,a trial not in this build",
    )
    text = (
        "Inclusion Criteria:\n- LVEF ≥ 50%\n- Platelets ≥ 50 × 10^9/L\n"
        "Exclusion Criteria:\n- QTc > 470 ms\n- eGFR < 30"
    )
    thresholds = build_eligibility_tables(make_trials(("NCT1", text, None, None)))["eligibility_thresholds"]
    assert thresholds.select("threshold_order", "measure", "op", "value", "source").rows() == [
        (0, "egfr_ml_min_1_73m2", "<", 30.0, "extracted"),
        (1, "lvef_pct", ">=", 50.0, "curated"),  # the equal extracted row gave way
        (2, "platelets_x10e9_l", ">=", 100.0, "curated"),
    ]


def test_curated_rows_feed_the_requirement_view(curated_dir: Path) -> None:
    write_curated(curated_dir, "NCT1,add,exclusion,egfr_ml_min_1_73m2,<,30,,,,label")
    text = "Inclusion Criteria:\n- eGFR ≥ 20 mL/min/1.73m2"
    egfr = requirement(
        build_eligibility_tables(make_trials(("NCT1", text, None, None))), "NCT1", "egfr_ml_min_1_73m2"
    )
    assert (egfr["min_value"], egfr["source"], egfr["n_thresholds"]) == (30.0, "extracted+curated", 2)


@pytest.mark.parametrize(
    "line",
    [
        "NCT1,append,inclusion,lvef_pct,>=,50,,,,bad action",
        "NCT1,add,inclusion,lvef_percent,>=,50,,,,unknown measure",
        "NCT1,add,included,lvef_pct,>=,50,,,,bad section",
        "NCT1,add,inclusion,lvef_pct,=>,50,,,,bad op",
        "NCT1,add,inclusion,lvef_pct,>=,fifty,,,,not a number",
        "NCT1,add,inclusion,age_years,range,18,,,,range without value_high",
        "NCT1,add,inclusion,age_years,range,65,18,,,range upside down",
        "NCT1,add,inclusion,lvef_pct,>=,50,,,,",
    ],
)
def test_bad_curated_rows_are_refused(curated_dir: Path, line: str) -> None:
    write_curated(curated_dir, line)
    with pytest.raises(VocabularyError):
        load_curated_thresholds()


def test_the_project_curated_file_is_valid() -> None:
    curated = load_curated_thresholds()
    assert curated.height > 100
    assert set(curated.get_column("action")) <= {"add", "replace_measure", "drop_measure"}


def test_bundled_snapshot_gets_thresholds_from_curation() -> None:
    with gzip.open(SNAPSHOT_PATH, "rt", encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    tables = build_eligibility_tables(build_tables(records)["trials"])
    thresholds = tables["eligibility_thresholds"]
    curated_trials = thresholds.filter(pl.col("source") == "curated").get_column("nct_id").unique()
    assert curated_trials.len() >= 30  # the eligibility_dev trials have no criteria text in the snapshot
    seed = thresholds.filter(pl.col("nct_id") == "NCT05085444")
    platelets = seed.filter(pl.col("measure") == "platelets_x10e9_l").row(0, named=True)
    assert (platelets["section"], platelets["source"]) == ("inclusion", "curated")
    assert seed.filter(pl.col("measure") == "prednisone_mg_kg_d").height == 0
    ages = tables["trial_age_limits"].filter(pl.col("nct_id") == "NCT06792344").row(0, named=True)
    assert (ages["structured_min_age_years"], ages["text_min_age_years"], ages["has_age_conflict"]) == (
        5.0,
        5.0,
        False,
    )


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_prints_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "criteria.txt"
    path.write_text(
        "Inclusion Criteria:\n* Age 18-65 years\nExclusion Criteria:\n* ALT > 3 x ULN\n", encoding="utf-8"
    )
    out = io.StringIO()
    assert print_thresholds(path, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {"measure": "age_years", "op": "range", "value": 18.0, "value_high": 65.0, "unit": "years",
         "section": "inclusion", "span": "Age 18-65 years"},
        {"measure": "alt_x_uln", "op": ">", "value": 3.0, "value_high": None, "unit": "x ULN",
         "section": "exclusion", "span": "ALT > 3 x ULN"},
    ]  # fmt: skip


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00 not utf-8 \xc3\x28"])
def test_cli_refuses_missing_or_unreadable_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None
) -> None:
    path = tmp_path / "criteria.txt"
    if content is not None:
        path.write_bytes(content)
    out = io.StringIO()
    assert print_thresholds(path, out) == 1
    assert out.getvalue() == ""
    assert "cannot read criteria file" in capsys.readouterr().err


OR_AND_EXCEPTION_TEXT = """Inclusion Criteria:
- eGFR ≥ 60 mL/min/1.73m2 or serum creatinine ≤ 1.5 mg/dL
- Hemoglobin ≥ 5.0 mmol/L
- UPCR ≥ 50 mg/mmol
- ALT and AST ≤ 3× ULN (≤ 5× ULN with liver involvement)
- Total bilirubin ≤ 1.5 × ULN
- Platelets ≥ 50 x10^9/L and neutrophils ≥ 1.0 x10^9/L
"""


def test_alternatives_and_exceptions_are_kept_but_not_required(curated_dir: Path) -> None:
    tables = build_eligibility_tables(make_trials(("NCT1", OR_AND_EXCEPTION_TEXT, 18.0, 65.0)))
    thresholds = tables["eligibility_thresholds"]
    qualified = {(r["measure"], r["value"]): r["qualifier"] for r in thresholds.iter_rows(named=True)}
    assert qualified[("egfr_ml_min_1_73m2", 60.0)] == "alternative"
    assert qualified[("serum_creatinine_mg_dl", 1.5)] == "alternative"
    assert qualified[("alt_x_uln", 5.0)] == qualified[("ast_x_uln", 5.0)] == "exception"
    assert qualified[("alt_x_uln", 3.0)] is None
    # "and" joins two requirements; neither is an alternative.
    assert qualified[("platelets_x10e9_l", 50.0)] is None
    assert qualified[("anc_x10e9_l", 1.0)] is None
    measures = set(tables["eligibility_requirements"]["measure"])
    # "eGFR ≥ 60 or creatinine ≤ 1.5" must not require both: neither becomes a requirement alone.
    assert not {"egfr_ml_min_1_73m2", "serum_creatinine_mg_dl"} & measures
    # The general limit is required; the exception for liver involvement does not loosen or replace it.
    assert requirement(tables, "NCT1", "alt_x_uln")["max_value"] == 3.0
    assert {"platelets_x10e9_l", "anc_x10e9_l", "total_bilirubin_x_uln"} <= measures


def test_haemoglobin_in_mmol_and_upcr_in_mg_per_mmol_are_converted(curated_dir: Path) -> None:
    tables = build_eligibility_tables(make_trials(("NCT1", OR_AND_EXCEPTION_TEXT, 18.0, 65.0)))
    assert requirement(tables, "NCT1", "hemoglobin_g_dl")["min_value"] == pytest.approx(8.05)
    assert requirement(tables, "NCT1", "upcr_g_g")["min_value"] == pytest.approx(0.44)
    spans = set(tables["eligibility_thresholds"]["span"])
    assert {"Hemoglobin ≥ 5.0 mmol/L", "UPCR ≥ 50 mg/mmol"} <= spans
