"""The one place the filter model becomes SQL: a WHERE clause over `trials t` and its parameters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.admission import admission_predicate

# The trials the dashboard is about; every query starts from this set.
SHOWN_TRIALS = "t.is_car_based AND t.is_autoimmune"

# Filter field -> SQL predicate with one list parameter. Fixed strings: values only travel as `?`.
_LIST_PREDICATES: dict[str, str] = {
    "targets": "list_has_any(t.targets, ?::VARCHAR[])",
    "constructs": "list_contains(?::VARCHAR[], t.target)",
    "modalities": "list_contains(?::VARCHAR[], t.modality)",
    "condition_families": (
        "EXISTS (SELECT 1 FROM trial_condition_entities e WHERE e.nct_id = t.nct_id"
        " AND list_contains(?::VARCHAR[], e.condition_family))"
    ),
    "condition_entities": (
        "EXISTS (SELECT 1 FROM trial_condition_entities e WHERE e.nct_id = t.nct_id"
        " AND list_contains(?::VARCHAR[], e.condition_entity))"
    ),
    "sponsors": "list_contains(?::VARCHAR[], t.sponsor_name)",
    "sponsor_classes": "list_contains(?::VARCHAR[], t.sponsor_class)",
    "phases": "list_contains(?::VARCHAR[], t.phase_label)",
    "status_groups": "list_contains(?::VARCHAR[], t.status_group)",
    "countries": "list_has_any(t.countries, ?::VARCHAR[])",
    "products": "list_contains(?::VARCHAR[], t.product_name)",
}


@dataclass(frozen=True)
class WhereClause:
    """SQL text (with `?` placeholders) and the parameters in order."""

    sql: str
    params: list


def build_where(filters: TrialFilters) -> WhereClause:
    """WHERE clause text for `FROM trials t` restricted to the shown trials and the filters."""
    parts = [SHOWN_TRIALS]
    params: list = []
    for name, predicate in _LIST_PREDICATES.items():
        values = getattr(filters, name)
        if values:
            parts.append(predicate)
            params.append(list(values))
    if filters.start_year_min is not None:
        parts.append("year(t.start_date) >= ?")
        params.append(filters.start_year_min)
    if filters.start_year_max is not None:
        parts.append("year(t.start_date) <= ?")
        params.append(filters.start_year_max)
    if filters.search_text.strip():
        # contains() treats the text literally: no LIKE wildcards or escapes to worry about.
        parts.append("contains(t.search_text, lower(?))")
        params.append(filters.search_text.strip())
    # The patient's values: the one admission rule (trials no stated limit excludes them from).
    admits, admit_params = admission_predicate(filters)
    if admits:
        parts.append(admits)
        params += admit_params
    return WhereClause(" AND ".join(f"({p})" for p in parts), params)


# Query templates mark where the filter predicate goes with this token, so no query is an f-string.
FILTERS = "/*filters*/"


def bind_filters(
    template: str,
    filters: TrialFilters,
    before: list | None = None,
    after: list | None = None,
) -> WhereClause:
    """Put the filter predicate into a template at FILTERS; `before`/`after` are the template's own
    parameters that come before and after the token."""
    if template.count(FILTERS) != 1:
        raise ValueError("a query template needs exactly one filters token")
    where = build_where(filters)
    return WhereClause(template.replace(FILTERS, where.sql), [*(before or []), *where.params, *(after or [])])


def read_filtered(
    wh: Warehouse, template: str, filters: TrialFilters, before: list | None = None, after: list | None = None
) -> pl.DataFrame:
    """Run a filtered query template and return its frame."""
    bound = bind_filters(template, filters, before, after)
    return wh.query(bound.sql, bound.params)
