"""The one place the filter model becomes SQL: a WHERE clause over `trials t` and its parameters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from landscape.db import Warehouse
from landscape.filters import TrialFilters

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

REQUIREMENTS_TABLE = "eligibility_requirements"
AGE_MEASURE = "age_years"

# A trial admits the patient's value unless a stated requirement excludes it; trials that state
# nothing about the measure are kept (the criteria may still exclude the patient in words).
_ADMITS_VALUE = """NOT EXISTS (
    SELECT 1 FROM eligibility_requirements r
    WHERE r.nct_id = t.nct_id AND r.measure = ?
      AND ((r.min_value IS NOT NULL AND (?::DOUBLE < r.min_value
                                         OR (?::DOUBLE = r.min_value AND NOT r.min_inclusive)))
        OR (r.max_value IS NOT NULL AND (?::DOUBLE > r.max_value
                                         OR (?::DOUBLE = r.max_value AND NOT r.max_inclusive)))))"""


@dataclass(frozen=True)
class WhereClause:
    """SQL text (with `?` placeholders) and the parameters in order."""

    sql: str
    params: list


def build_where(filters: TrialFilters, tables: frozenset[str] | None = None) -> WhereClause:
    """WHERE clause text for `FROM trials t` restricted to the shown trials and the filters.

    `tables` are the warehouse's tables (None: assume all): eligibility predicates need theirs."""
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
    has_requirements = tables is None or REQUIREMENTS_TABLE in tables
    if filters.patient_age_years is not None:
        age = filters.patient_age_years
        parts.append(
            "(t.min_age_years IS NULL OR t.min_age_years <= ?)"
            " AND (t.max_age_years IS NULL OR t.max_age_years >= ?)"
        )
        params += [age, age]
        if has_requirements:
            # Ages the criteria text states ("aged 18 to 70") count as well as the registry's fields.
            parts.append(_ADMITS_VALUE)
            params += [AGE_MEASURE, age, age, age, age]
    # Without the table no trial states a limit, and a trial stating none is kept.
    for measure, value in filters.patient_values if has_requirements else ():
        parts.append(_ADMITS_VALUE)
        params += [measure, value, value, value, value]
    return WhereClause(" AND ".join(f"({p})" for p in parts), params)


# Query templates mark where the filter predicate goes with this token, so no query is an f-string.
FILTERS = "/*filters*/"


def bind_filters(
    template: str,
    filters: TrialFilters,
    before: list | None = None,
    after: list | None = None,
    tables: frozenset[str] | None = None,
) -> WhereClause:
    """Put the filter predicate into a template at FILTERS; `before`/`after` are the template's own
    parameters that come before and after the token."""
    if template.count(FILTERS) != 1:
        raise ValueError("a query template needs exactly one filters token")
    where = build_where(filters, tables)
    return WhereClause(template.replace(FILTERS, where.sql), [*(before or []), *where.params, *(after or [])])


def read_filtered(
    wh: Warehouse, template: str, filters: TrialFilters, before: list | None = None, after: list | None = None
) -> pl.DataFrame:
    """Run a filtered query template and return its frame."""
    bound = bind_filters(template, filters, before, after, wh.table_names)
    return wh.query(bound.sql, bound.params)
