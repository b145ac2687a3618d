"""The filtered trial list: one row per matching trial, as the Trials table and its export show it."""

from __future__ import annotations

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.where import read_filtered

REGISTRY_STUDY_URL = "https://clinicaltrials.gov/study/"

# Column -> what it holds; the Trials page and the export's sidecar both describe columns with this.
TRIAL_ROW_COLUMNS: dict[str, str] = {
    "nct_id": "ClinicalTrials.gov identifier",
    "title": "brief title as registered",
    "target": "target antigen(s) (derived), e.g. CD19/BCMA",
    "modality": "CAR-T, CAR-NK, CAAR-T, CAR-Treg, in vivo CAR ... (derived)",
    "product": "named product (derived), blank when none is named",
    "conditions": "autoimmune conditions (derived), the primary one first",
    "sponsor": "lead sponsor (name cleaned and grouped)",
    "sponsor_class": "industry, academic, government ... (derived)",
    "phase": "registry phase, e.g. Phase 1/2",
    "status": "registry overall status",
    "status_group": "open, active (not recruiting), closed or unknown (derived)",
    "enrollment": "enrollment count (actual or estimated)",
    "start_date": "start date as precise as registered (YYYY, YYYY-MM or YYYY-MM-DD)",
    "countries": "countries with a site",
    "interventions": "interventions as registered",
    "registry_url": "the record on ClinicalTrials.gov",
}

# A partial date keeps its precision: "2019" stays a year, "2023-06" a month.
_START = """CASE t.start_date_precision
    WHEN 'year' THEN strftime(t.start_date, '%Y')
    WHEN 'month' THEN strftime(t.start_date, '%Y-%m')
    ELSE strftime(t.start_date, '%Y-%m-%d') END"""

# Sort choice -> ORDER BY over `trials t` (fixed strings: the reader picks a key, never SQL).
# Every order ends with nct_id so pages never overlap or skip rows.
SORTS: dict[str, tuple[str, str]] = {
    "start_desc": ("start date, newest first", "t.start_date DESC NULLS LAST, t.nct_id"),
    "start_asc": ("start date, oldest first", "t.start_date ASC NULLS LAST, t.nct_id"),
    "nct_id": ("NCT ID", "t.nct_id"),
    "title": ("title", "lower(t.brief_title), t.nct_id"),
    "target": ("target", "t.target NULLS LAST, t.nct_id"),
    "phase_desc": ("phase, latest first", "t.phase_rank DESC NULLS LAST, t.nct_id"),
    "status": ("status group", "t.status_group NULLS LAST, t.nct_id"),
    "enrollment_desc": ("enrollment, largest first", "t.enrollment_count DESC NULLS LAST, t.nct_id"),
    "sponsor": ("sponsor", "lower(t.sponsor_name) NULLS LAST, t.nct_id"),
}
DEFAULT_SORT = "start_desc"

_PAGE_HEAD = "WITH page AS (SELECT t.* FROM trials t WHERE /*filters*/ ORDER BY "
# The page is cut first, so the per-trial aggregates below only run for the rows returned.
_PAGE_BODY = (
    """ LIMIT ? OFFSET ?),
entities AS (
    SELECT e.nct_id,
           array_to_string(
               list_transform(list_sort(list({'rank': NOT e.is_primary, 'name': e.condition_entity})),
                              lambda x: x.name), '; ') AS conditions
    FROM trial_condition_entities e SEMI JOIN page p ON p.nct_id = e.nct_id
    GROUP BY e.nct_id),
registered AS (
    SELECT c.nct_id, string_agg(c.term, '; ' ORDER BY c.term_order) AS conditions
    FROM trial_conditions c SEMI JOIN page p ON p.nct_id = c.nct_id
    WHERE c.term_type = 'condition'
    GROUP BY c.nct_id),
interventions AS (
    SELECT i.nct_id,
           array_to_string(
               list_transform(list_sort(list({'rank': i.intervention_order, 'name': i.name})),
                              lambda x: x.name), '; ') AS interventions
    FROM trial_interventions i SEMI JOIN page p ON p.nct_id = i.nct_id
    GROUP BY i.nct_id)
SELECT
    t.nct_id,
    t.brief_title AS title,
    t.target,
    t.modality,
    t.product_name AS product,
    coalesce(e.conditions, r.conditions) AS conditions,
    t.sponsor_name AS sponsor,
    t.sponsor_class,
    t.phase_label AS phase,
    upper(left(t.overall_status, 1)) || lower(replace(substr(t.overall_status, 2), '_', ' ')) AS status,
    t.status_group,
    t.enrollment_count AS enrollment,
    """
    + _START
    + """ AS start_date,
    array_to_string(list_sort(t.countries), ', ') AS countries,
    i.interventions,
    ? || t.nct_id AS registry_url
FROM page t
LEFT JOIN entities e USING (nct_id)
LEFT JOIN registered r USING (nct_id)
LEFT JOIN interventions i USING (nct_id)
ORDER BY """
)


def read_trial_rows(
    wh: Warehouse,
    filters: TrialFilters,
    sort: str = DEFAULT_SORT,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """Trials matching the filters with the columns of TRIAL_ROW_COLUMNS, in the `sort` order (a key
    of SORTS); `limit`/`offset` cut one page, `limit=None` returns every row (the export)."""
    order = SORTS[sort][1]
    template = _PAGE_HEAD + order + _PAGE_BODY + order
    return read_filtered(wh, template, filters, after=[limit, offset, REGISTRY_STUDY_URL])
