"""Which eligibility measures a reader can test a patient against."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

_EMPTY = pl.DataFrame(schema={"measure": pl.String, "label": pl.String, "trial_count": pl.Int64})


def list_patient_measures(wh: Warehouse) -> pl.DataFrame:
    """(measure, label, trial_count) for measures some shown trial states a requirement on."""
    if "eligibility_requirements" not in wh.table_names:
        return _EMPTY
    label = "coalesce(m.label, r.measure)" if "eligibility_measures" in wh.table_names else "r.measure"
    join = (
        "LEFT JOIN eligibility_measures m ON m.measure = r.measure"
        if "eligibility_measures" in wh.table_names
        else ""
    )
    template = (
        "SELECT r.measure, any_value(" + label + ") AS label, count(DISTINCT r.nct_id) AS trial_count "
        "FROM eligibility_requirements r JOIN trials t USING (nct_id) " + join + " "
        "WHERE /*filters*/ GROUP BY r.measure ORDER BY trial_count DESC, r.measure"
    )
    return read_filtered(wh, template, TrialFilters())
