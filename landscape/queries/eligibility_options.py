"""Which eligibility measures a reader can test a patient against, with readable labels."""

from __future__ import annotations

from functools import cache

import polars as pl

from etl.vocab import load_vocabulary
from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import AGE_MEASURE, REQUIREMENTS_TABLE, read_filtered

MEASURES_TABLE = "eligibility_measures"
_EMPTY = pl.DataFrame(schema={"measure": pl.String, "label": pl.String, "trial_count": pl.Int64})

# Age has its own input in the sidebar; the rest are offered as "other measures".
_MEASURE_COUNTS = (
    "SELECT r.measure, count(DISTINCT r.nct_id) AS trial_count "
    "FROM " + REQUIREMENTS_TABLE + " r JOIN trials t USING (nct_id) "
    "WHERE /*filters*/ AND r.measure <> ? GROUP BY r.measure ORDER BY trial_count DESC, r.measure"
)


@cache
def read_measure_labels() -> dict[str, str]:
    """measure -> "description (unit)" from the measure vocabulary (data/vocab/eligibility_measures.csv)."""
    try:
        vocab = load_vocabulary("eligibility_measures", ("measure", "unit"))
    except (OSError, ValueError):
        return {}
    labels: dict[str, str] = {}
    for row in vocab.iter_rows(named=True):
        measure = row["measure"]
        if measure and measure not in labels:
            text = row.get("description") or measure
            labels[measure] = f"{text} ({row['unit']})" if row.get("unit") else text
    return labels


def list_patient_measures(wh: Warehouse) -> pl.DataFrame:
    """(measure, label, trial_count) for measures, other than age, some shown trial states a limit on."""
    if REQUIREMENTS_TABLE not in wh.table_names:
        return _EMPTY
    counts = read_filtered(wh, _MEASURE_COUNTS, TrialFilters(), after=[AGE_MEASURE])
    labels = dict(read_measure_labels())
    if MEASURES_TABLE in wh.table_names:
        # The labels the database was built with win over the vocabulary file on disk.
        stored = wh.query("SELECT measure, label FROM " + MEASURES_TABLE + " WHERE label IS NOT NULL")
        labels.update(stored.iter_rows())
    return counts.select(
        "measure",
        pl.col("measure")
        .replace_strict(labels, default=pl.col("measure"), return_dtype=pl.String)
        .alias("label"),
        "trial_count",
    )
