"""The one place the filter model becomes SQL: a WHERE clause over `trials t` and its parameters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from landscape.axes import LIST_AXES, SEARCH_AXIS, YEAR_AXIS
from landscape.db import Warehouse
from landscape.filters import TrialFilters

# The trials the dashboard is about; every query starts from this set.
SHOWN_TRIALS = "t.is_car_based AND t.is_autoimmune"

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


def admission_predicate(
    filters: TrialFilters, tables: frozenset[str] | None = None
) -> tuple[str, list] | None:
    """The patient axis's SQL: trials that would admit a patient of this age with these values.

    The one place the admission rule meets the filters (sidebar filter, counts and every page);
    None when no patient value is entered. `tables` as in build_where."""
    parts: list[str] = []
    params: list = []
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
    if not parts:
        return None
    return " AND ".join(f"({p})" for p in parts), params


def build_where(filters: TrialFilters, tables: frozenset[str] | None = None) -> WhereClause:
    """WHERE clause text for `FROM trials t` restricted to the shown trials and the filters.

    Each axis's predicate comes from the registry (landscape/axes.py). `tables` are the warehouse's
    tables (None: assume all): eligibility predicates need theirs."""
    parts = [SHOWN_TRIALS]
    params: list = []
    for axis in LIST_AXES:
        values = getattr(filters, axis.name)
        if values:
            parts.append(axis.predicate)
            params.append(list(values))
    for field_name, predicate in (
        (YEAR_AXIS.min_field, YEAR_AXIS.min_predicate),
        (YEAR_AXIS.max_field, YEAR_AXIS.max_predicate),
    ):
        year = getattr(filters, field_name)
        if year is not None:
            parts.append(predicate)
            params.append(year)
    text = getattr(filters, SEARCH_AXIS.field).strip()
    if text:
        parts.append(SEARCH_AXIS.predicate)
        params.append(text)
    admission = admission_predicate(filters, tables)
    if admission is not None:
        parts.append(admission[0])
        params += admission[1]
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
