"""Eligibility measures as readers see them: names, limits in words, and the measures the sidebar offers.

Names come from the `eligibility_measures` table, which the ETL fills from the `label` column of
data/vocab/eligibility_measures.csv: the one place a measure is declared."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.admission import AGE_MEASURE
from landscape.queries.where import read_filtered

# Units that the measure's name already says (or that are scores): not repeated in labels.
_UNITLESS = {"", "points", "ratio", "therapies", "organ systems"}

# Age has its own input in the sidebar; the rest are offered as "other measures".
_MEASURE_COUNTS = (
    "SELECT r.measure, count(DISTINCT r.nct_id) AS trial_count "
    "FROM eligibility_requirements r JOIN trials t USING (nct_id) "
    "WHERE /*filters*/ AND r.measure <> ? GROUP BY r.measure ORDER BY trial_count DESC, r.measure"
)


def label_measure(name: str, unit: str | None) -> str:
    """A measure's short name with its unit: 'eGFR (mL/min/1.73m2)'; scores stay bare: 'SLEDAI-2K'."""
    return name if (unit or "") in _UNITLESS else f"{name} ({unit})"


def format_number(value: float) -> str:
    """A number without trailing zeros: 50, 0.5, 1.5e+06."""
    return f"{float(value):g}"


def describe_requirement(
    min_value: float | None,
    min_inclusive: bool | None,
    max_value: float | None,
    max_inclusive: bool | None,
    unit: str | None = None,
) -> str:
    """'≥ 45', '< 2', '≥ 18 and ≤ 65' (with the unit when given), or 'no limit'."""
    parts = []
    if min_value is not None:
        parts.append(("≥ " if min_inclusive is not False else "> ") + format_number(min_value))
    if max_value is not None:
        parts.append(("≤ " if max_inclusive is not False else "< ") + format_number(max_value))
    text = " and ".join(parts) or "no limit"
    return text if not parts or (unit or "") in _UNITLESS else f"{text} {unit}"


def read_measure_names(wh: Warehouse) -> dict[str, str]:
    """measure -> its short name as the vocabulary gives it ('egfr_ml_min_1_73m2' -> 'eGFR')."""
    return dict(wh.query("SELECT measure, label FROM eligibility_measures").iter_rows())


def read_measure_labels(wh: Warehouse) -> dict[str, str]:
    """measure -> its name with its unit ('eGFR (mL/min/1.73m2)'), for choosers and chart axes."""
    frame = wh.query("SELECT measure, label, unit FROM eligibility_measures")
    return {measure: label_measure(name, unit) for measure, name, unit in frame.iter_rows()}


def list_patient_measures(wh: Warehouse) -> pl.DataFrame:
    """(measure, label, trial_count) for measures, other than age, some shown trial states a limit on."""
    counts = read_filtered(wh, _MEASURE_COUNTS, TrialFilters(), after=[AGE_MEASURE])
    labels = read_measure_labels(wh)
    return counts.select(
        "measure",
        pl.col("measure")
        .replace_strict(labels, default=pl.col("measure"), return_dtype=pl.String)
        .alias("label"),
        "trial_count",
    )
