"""Accuracy per axis on the hand-labelled set (records -> build_tables -> classify_trials)."""

from __future__ import annotations

import polars as pl
import pytest

from etl.classify.origin import CELL_ORIGIN_BASES, CELL_ORIGIN_LABELS
from etl.schema import CONDITION_FAMILIES, MODALITIES
from tests.labelled.helpers import classify_records, read_labelled_records, read_labels

# Each axis must be at least this accurate on the labelled set.
ACCURACY_FLOOR = 0.95
AXES = {
    "inclusion": ("is_car_based", "is_autoimmune"),
    "target": ("target",),
    "modality": ("modality",),
    "cell_origin": ("cell_origin", "cell_origin_basis"),
    "product": ("product_name",),
    "condition": ("condition_entity", "condition_family"),
    "basket": ("is_basket",),
    "sponsor": ("sponsor_name", "sponsor_class", "sponsor_institution"),
    "status": ("status_group", "is_stalled"),
}


def format_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.fixture(scope="module")
def comparison() -> pl.DataFrame:
    """One row per labelled trial: expected and predicted value of every labelled column."""
    labels = read_labels().with_columns(pl.all().fill_null(""))
    trials = classify_records(read_labelled_records())["trials"]
    columns = [c for c in labels.columns if c != "nct_id"]
    predicted = pl.DataFrame(
        [
            {"nct_id": r["nct_id"], **{c: format_value(r[c]) for c in columns}}
            for r in trials.iter_rows(named=True)
        ]
    )
    assert sorted(predicted["nct_id"]) == sorted(labels["nct_id"]), "labels and records differ"
    return labels.join(predicted, on="nct_id", suffix="_predicted")


def test_labelled_set_is_large_and_covers_every_label(comparison: pl.DataFrame) -> None:
    assert comparison.height >= 60
    targets = set(comparison["target"])
    assert {"CD19", "BCMA", "CD19/BCMA", "CD20", "CD19/CD20", "CD7", "CD70", "BAFF-R", "CD6", "undisclosed",
            "MuSK (CAAR)", "PLA2R (CAAR)", "BCMA/TACI", "CD19/CD22", "CD19/CD70"} <= targets  # fmt: skip
    # Every modality label, "unclear" included (CAR products named without any cell type or origin).
    assert set(comparison["modality"]) >= set(MODALITIES)
    assert set(comparison["condition_family"]) >= set(CONDITION_FAMILIES)
    assert set(comparison["cell_origin"]) >= set(CELL_ORIGIN_LABELS)
    assert set(comparison["cell_origin_basis"]) >= {*CELL_ORIGIN_BASES, ""}
    assert {"true", "false"} <= set(comparison["is_autoimmune"])
    assert {"true", "false"} <= set(comparison["is_basket"])


def test_accuracy_per_axis(comparison: pl.DataFrame) -> None:
    report: dict[str, float] = {}
    misses: list[str] = []
    for axis, columns in AXES.items():
        right = pl.lit(True)
        for column in columns:
            right = right & (pl.col(column) == pl.col(f"{column}_predicted"))
        scored = comparison.with_columns(right.alias("right"))
        report[axis] = scored["right"].mean()  # type: ignore[assignment]
        for row in scored.filter(~pl.col("right")).iter_rows(named=True):
            misses.extend(
                f"{row['nct_id']} {c}: expected {row[c]!r}, got {row[f'{c}_predicted']!r}"
                for c in columns
                if row[c] != row[f"{c}_predicted"]
            )
    print(f"\nlabelled set: {comparison.height} trials")
    for axis, accuracy in report.items():
        print(f"  {axis:<10} {accuracy:.3f}")
    for miss in misses:
        print("  miss:", miss)
    low = {axis: accuracy for axis, accuracy in report.items() if accuracy < ACCURACY_FLOOR}
    assert not low, f"below {ACCURACY_FLOOR}: {low}"
