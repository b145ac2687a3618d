"""The one place the filter model becomes SQL: a WHERE clause over `trials t` and its parameters."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from landscape.axes import LIST_AXES, SEARCH_AXIS, YEAR_AXIS
from landscape.db import Warehouse
from landscape.filters import TrialFilters
from landscape.queries.admission import admission_predicate

# The trials the dashboard is about; every query starts from this set.
SHOWN_TRIALS = "t.is_car_based AND t.is_autoimmune"


@dataclass(frozen=True)
class WhereClause:
    """SQL text (with `?` placeholders) and the parameters in order."""

    sql: str
    params: list


def build_where(filters: TrialFilters) -> WhereClause:
    """WHERE clause text for `FROM trials t` restricted to the shown trials and the filters.

    Each axis's predicate comes from the registry (landscape/axes.py); the patient's values go
    through the one admission rule (landscape/queries/admission.py)."""
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
