"""The bundled snapshot classified end to end: counts, ledger, undisclosed targets, evidence, speed."""

from __future__ import annotations

import copy
import datetime
import io
import time

import polars as pl
import pytest

from etl.classify.report import count_classification, list_undisclosed, main, print_report
from etl.extract.files import read_records
from etl.paths import SNAPSHOT_PATH
from etl.schema import CONDITION_FAMILIES
from tests.labelled.helpers import classify_records, read_labelled_records

AS_OF = datetime.date(2026, 11, 1)
# Snapshot trials classified "undisclosed". Each record was read in full (title, official title,
# interventions, conditions, brief summary, primary outcomes): none names an antigen. Since the
# classifier reads the whole record and the products vocabulary knows SYS6020 (BCMA, CSPC), the two
# SYS6020 trials (NCT06688435, NCT07756268) are BCMA; the rest stay undisclosed until their registry
# records (or a public source for their product) name the antigen.
UNDISCLOSED_TODAY = {
    "NCT05459870",  # "4SCAR T cells" (a platform name) in autoimmune diseases
    "NCT05859997",  # BRL-301, universal CAR-T; antigen not stated
    "NCT05988216",  # BRL-301 in SLE
    "NCT06201416",  # SBT777101 (CAR-Treg), antigen not stated
    "NCT06318533",  # "CAR NK cells" for B-cell related autoimmune diseases
    "NCT06352281",  # "CAR-T cells" for ITP
    "NCT06361836",  # SBT777101 (CAR-Treg), antigen not stated
    "NCT06373991",  # ATHENA CAR-T
    "NCT06435897",  # MSCs with "4SCAR T cells"
    "NCT06653556",  # LCAR-AIO (Legend; CAR-T, antigen not public)
    "NCT06661811",  # "CAR-T cells" in autoimmune diseases
    "NCT06762119",  # "CAR-T cells" in autoimmune diseases
    "NCT06822881",  # CT1190B
    "NCT06852573",  # ZM001 (CAR-T per its developer; antigen not public)
    "NCT06866080",  # LCAR-AIO
    "NCT06869278",  # LCAR-AIO in neurological autoimmune diseases
    "NCT06900764",  # "CAR-T cells" in SLE
    "NCT06904729",  # "CAR T cells" in paediatric lupus nephritis
    "NCT07040917",  # "CAR-T cells" in autoimmune diseases
    "NCT07049081",  # LUCAR-G79 (Legend; CAR-T, antigen not public)
    "NCT07105735",  # RN1201, "allogeneic CAR-T"
    "NCT07355972",  # CT1195E, "CAR-T therapy"
    "NCT07444307",  # QT-019B, "dual-target" without naming the targets
    "NCT07502859",  # BEN301, CAR-Treg ("CD4+ CAR+ Foxp3+ cells")
    "NCT07527936",  # BEN301
    "NCT07585071",  # IASO206 (in vivo CAR-T)
    "NCT07592754",  # KSVCBD (in vivo CAR-T)
    "NCT07613411",  # KSVCBD
    "NCT07617740",  # IASO207 (in vivo CAR-T)
    "NCT07629596",  # Arnovie101 (mRNA-LNP in vivo CAR-T)
}


@pytest.fixture(scope="module")
def snapshot() -> dict[str, pl.DataFrame]:
    return classify_records(read_records(SNAPSHOT_PATH).records, AS_OF)


def test_snapshot_counts_are_printed(snapshot: dict[str, pl.DataFrame]) -> None:
    out = io.StringIO()
    print_report(snapshot, out)
    print("\n" + out.getvalue())
    counts = count_classification(snapshot)
    assert counts["target"].filter(target="CD19")["trials"].item() > 50
    assert set(counts["condition_family"]["condition_family"]) <= set(CONDITION_FAMILIES)


def test_snapshot_undisclosed_targets_are_only_trials_naming_no_antigen(
    snapshot: dict[str, pl.DataFrame],
) -> None:
    assert set(list_undisclosed(snapshot)["nct_id"]) == UNDISCLOSED_TODAY


def test_snapshot_ledger_adds_up(snapshot: dict[str, pl.DataFrame]) -> None:
    ledger = snapshot["inclusion_ledger"]
    count = {
        stage: ledger.filter(stage=stage)["trial_count"].sum()
        for stage in ("fetched", "excluded", "included")
    }
    assert count["fetched"] == snapshot["trials"].height
    assert count["excluded"] + count["included"] == count["fetched"]


def test_every_trial_has_evidence_on_every_axis(snapshot: dict[str, pl.DataFrame]) -> None:
    evidence = snapshot["classification_evidence"]
    per_trial = evidence.group_by("nct_id").agg(pl.col("axis").n_unique(), pl.col("axis").alias("axes"))
    assert per_trial.height == snapshot["trials"].height
    shown = snapshot["trials"].filter("is_car_based", "is_autoimmune")["nct_id"]
    assert per_trial.filter(pl.col("nct_id").is_in(shown.implode()))["axis"].min() == 9
    # A trial that names no autoimmune condition (e.g. an ICU biomarker study) has no condition label.
    no_condition = per_trial.filter(~pl.col("axes").list.contains("condition"))
    assert per_trial.filter(~pl.col("axes").list.contains("condition"))["axis"].min() == 8
    assert not no_condition["nct_id"].is_in(shown.implode()).any()
    assert evidence.filter(pl.col("rule").is_null() | pl.col("label").is_null()).is_empty()


def test_classified_columns_and_side_tables(snapshot: dict[str, pl.DataFrame]) -> None:
    trials = snapshot["trials"]
    for column in ("is_car_based", "is_autoimmune", "is_basket", "is_stalled"):
        assert trials.schema[column] == pl.Boolean
    assert trials.schema["targets"] == pl.List(pl.String)
    assert trials["nct_id"].is_unique().all()
    targets = snapshot["trial_targets"]
    assert targets.columns == ["nct_id", "antigen", "is_caar"]
    entities = snapshot["trial_condition_entities"]
    assert entities.columns == ["nct_id", "condition_entity", "condition_family", "is_primary", "organ"]
    organ_tags = snapshot["trial_organ_tags"]
    assert organ_tags.columns == ["nct_id", "organ", "condition_entity"]
    assert organ_tags.filter(condition_entity="lupus nephritis")["organ"].unique().to_list() == ["kidney"]
    primaries = entities.filter("is_primary").join(trials, on="nct_id")
    assert (primaries["condition_entity"] == primaries["condition_entity_right"]).all()


def test_report_script_runs_on_the_snapshot() -> None:
    out = io.StringIO()
    assert main(["--as-of", "2026-11-01"], out=out) == 0
    assert "by target" in out.getvalue()


def test_classification_of_many_copies_keeps_every_trial() -> None:
    # The speed is printed (and measured by `make bench`), not asserted: timings fail on busy machines.
    base = read_labelled_records()
    records = []
    for copy_index in range(250):  # about 20,000 trials
        for record in base:
            clone = copy.deepcopy(record)
            identification = clone["protocolSection"]["identificationModule"]
            identification["nctId"] = f"{identification['nctId']}-{copy_index}"
            records.append(clone)
    started = time.perf_counter()
    out = classify_records(records)
    elapsed = time.perf_counter() - started
    print(f"\nclassified {out['trials'].height} trials in {elapsed:.2f}s (build_tables included)")
    assert out["trials"].height == len(records)
