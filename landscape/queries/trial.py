"""Everything about one trial, for the Trial page: its row and the side tables keyed by its NCT ID."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

NCT_ID = re.compile(r"^NCT\d{8}$")

# Side table -> its statement for one trial (a fixed string; the NCT ID travels as a parameter).
# Tables written by later ETL steps may be absent from an older warehouse: those are skipped.
_SIDE_TABLES: dict[str, str] = {
    "conditions": """SELECT term_type, term, mesh_id FROM trial_conditions WHERE nct_id = ?
                     ORDER BY CASE term_type WHEN 'condition' THEN 0 WHEN 'mesh' THEN 1 ELSE 2 END,
                              term_order""",
    "condition_entities": """SELECT condition_entity, condition_family, is_primary
                             FROM trial_condition_entities WHERE nct_id = ?
                             ORDER BY is_primary DESC, condition_entity""",
    "interventions": """SELECT intervention_type, name, array_to_string(other_names, '; ') AS other_names,
                               description
                        FROM trial_interventions WHERE nct_id = ? ORDER BY intervention_order""",
    "sponsors": """SELECT role, name, agency_class FROM trial_sponsors WHERE nct_id = ?
                   ORDER BY role DESC, sponsor_order""",
    "sites": """SELECT facility, city, state, country, site_status FROM trial_sites WHERE nct_id = ?
                ORDER BY country, city, site_order""",
    "targets": "SELECT antigen, is_caar FROM trial_targets WHERE nct_id = ? ORDER BY antigen",
    "evidence": """SELECT axis, label, rule, matched_term, field FROM classification_evidence
                   WHERE nct_id = ? ORDER BY axis, label, field""",
    "thresholds": """SELECT section, measure, op, value, value_high, unit, span, source
                     FROM eligibility_thresholds WHERE nct_id = ? ORDER BY section DESC, measure""",
    "age_limits": """SELECT text_min_age_years, text_max_age_years, has_age_conflict
                     FROM trial_age_limits WHERE nct_id = ?""",
}


@dataclass(frozen=True)
class TrialDetail:
    """One trial's row (a dict of column -> value) and its side tables; `row` is None when unknown."""

    nct_id: str
    row: dict[str, object] | None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    def table(self, name: str) -> pl.DataFrame:
        """A side table by name; an empty frame for a trial not found."""
        return self.tables.get(name, pl.DataFrame())


def read_trial_detail(wh: Warehouse, nct_id: str) -> TrialDetail:
    """The trial with this NCT ID (shown in the landscape or not), with every side table."""
    found = wh.query("SELECT * FROM trials WHERE nct_id = ?", [nct_id])
    if found.is_empty():
        return TrialDetail(nct_id, None)
    tables = {name: wh.query(sql, [nct_id]) for name, sql in _SIDE_TABLES.items()}
    return TrialDetail(nct_id, found.row(0, named=True), tables)


def list_trial_choices(wh: Warehouse, filters: TrialFilters, limit: int) -> pl.DataFrame:
    """(nct_id, title) of matching trials, newest start first, for a 'pick a trial' list."""
    return read_filtered(
        wh,
        """SELECT t.nct_id, t.brief_title AS title FROM trials t WHERE /*filters*/
           ORDER BY t.start_date DESC NULLS LAST, t.nct_id LIMIT ?""",
        filters,
        after=[limit],
    )
