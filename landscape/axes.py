"""The filter axes, each declared once: URL key, label, options and counts, SQL predicate, chart column.

Everything else reads this registry: the filter model (`landscape/filters.py`: its fields and URL
round trip), the WHERE clause (`landscape/queries/where.py`), option counts
(`landscape/queries/options.py`), the sidebar (`landscape/sidebar.py`) and chart drill-down
(`landscape/drilldown.py`). Adding a list filter is one `ListAxis` entry in `LIST_AXES`.

SQL here is fixed text over `trials t`; values only ever travel as `?` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

# Option sources select (nct_id, value) rows from the shown trials; this token is where the filter
# predicate goes (see landscape/queries/where.py).
_FILTERS = "/*filters*/"


@dataclass(frozen=True)
class ListAxis:
    """A multi-select filter over warehouse labels: a trial matches when it has any chosen value."""

    # TrialFilters field (a tuple of strings) and the URL parameter (repeated for several values).
    name: str
    url_key: str
    label: str
    # SQL predicate over `trials t` with one `?` (the chosen values as VARCHAR[]).
    predicate: str
    # SELECT t.nct_id, <value> AS value FROM trials t ... WHERE /*filters*/: one row per trial and option.
    option_source: str
    # The column a chart's frame holds this axis's values in: clicking that mark narrows to them.
    chart_column: str
    # Drawn in the sidebar's "Sponsor, country, product" expander rather than at the top level.
    is_secondary: bool = False


def _from_trials(expression: str) -> str:
    return f"SELECT t.nct_id, {expression} AS value FROM trials t WHERE {_FILTERS}"


def _from_condition_entities(column: str) -> str:
    return (
        f"SELECT DISTINCT t.nct_id, e.{column} AS value FROM trials t"
        f" JOIN trial_condition_entities e USING (nct_id) WHERE {_FILTERS}"
    )


def _any_condition_entity(column: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM trial_condition_entities e WHERE e.nct_id = t.nct_id"
        f" AND list_contains(?::VARCHAR[], e.{column}))"
    )


# In sidebar order. URL keys are part of shared links: keep them stable.
LIST_AXES: tuple[ListAxis, ...] = (
    ListAxis(
        "targets",
        "target",
        "Target antigen",
        "list_has_any(t.targets, ?::VARCHAR[])",
        _from_trials("unnest(t.targets)"),
        chart_column="antigen",
    ),
    ListAxis(
        "constructs",
        "construct",
        "Target construct",
        "list_contains(?::VARCHAR[], t.target)",
        _from_trials("t.target"),
        chart_column="target",
    ),
    ListAxis(
        "modalities",
        "modality",
        "Modality",
        "list_contains(?::VARCHAR[], t.modality)",
        _from_trials("t.modality"),
        chart_column="modality",
    ),
    ListAxis(
        "condition_families",
        "family",
        "Condition family",
        _any_condition_entity("condition_family"),
        _from_condition_entities("condition_family"),
        chart_column="condition_family",
    ),
    ListAxis(
        "condition_entities",
        "entity",
        "Condition",
        _any_condition_entity("condition_entity"),
        _from_condition_entities("condition_entity"),
        chart_column="condition_entity",
    ),
    ListAxis(
        "phases",
        "phase",
        "Phase",
        "list_contains(?::VARCHAR[], t.phase_label)",
        _from_trials("t.phase_label"),
        chart_column="phase_label",
    ),
    ListAxis(
        "status_groups",
        "status",
        "Status",
        "list_contains(?::VARCHAR[], t.status_group)",
        _from_trials("t.status_group"),
        chart_column="status_group",
    ),
    ListAxis(
        "sponsor_classes",
        "sponsor_class",
        "Sponsor class",
        "list_contains(?::VARCHAR[], t.sponsor_class)",
        _from_trials("t.sponsor_class"),
        chart_column="sponsor_class",
        is_secondary=True,
    ),
    ListAxis(
        "sponsors",
        "sponsor",
        "Sponsor",
        "list_contains(?::VARCHAR[], t.sponsor_name)",
        _from_trials("t.sponsor_name"),
        chart_column="sponsor_name",
        is_secondary=True,
    ),
    ListAxis(
        "countries",
        "country",
        "Country",
        "list_has_any(t.countries, ?::VARCHAR[])",
        _from_trials("unnest(t.countries)"),
        chart_column="country",
        is_secondary=True,
    ),
    ListAxis(
        "products",
        "product",
        "Product",
        "list_contains(?::VARCHAR[], t.product_name)",
        _from_trials("t.product_name"),
        chart_column="product_name",
        is_secondary=True,
    ),
)
LIST_AXES_BY_NAME: dict[str, ListAxis] = {axis.name: axis for axis in LIST_AXES}


@dataclass(frozen=True)
class YearRangeAxis:
    """Start years: a two-handle slider; either end left at the data's bound is no restriction."""

    label: str = "Start year"
    min_field: str = "start_year_min"
    max_field: str = "start_year_max"
    min_url_key: str = "start_from"
    max_url_key: str = "start_to"
    min_predicate: str = "year(t.start_date) >= ?"
    max_predicate: str = "year(t.start_date) <= ?"
    bounds_query: str = (
        f"SELECT min(year(t.start_date)) AS lo, max(year(t.start_date)) AS hi FROM trials t WHERE {_FILTERS}"
    )
    valid_years: tuple[int, int] = (1990, 2100)


@dataclass(frozen=True)
class SearchAxis:
    """Free text, matched literally (contains(), so no LIKE wildcards) in each trial's search text."""

    label: str = "Search titles, interventions, conditions"
    field: str = "search_text"
    url_key: str = "q"
    predicate: str = "contains(t.search_text, lower(?))"
    max_length: int = 200


@dataclass(frozen=True)
class PatientAxis:
    """'Would admit a patient with…': an age and values of eligibility measures.

    Its predicate is one function, `landscape.queries.where.admission_predicate`: the admission rule."""

    label: str = "Would admit a patient with…"
    age_field: str = "patient_age_years"
    values_field: str = "patient_values"
    age_url_key: str = "age"
    # One URL parameter per measure, e.g. admit.egfr_ml_min_1_73m2=40
    measure_url_prefix: str = "admit."
    age_range: tuple[float, float] = (0.0, 120.0)


YEAR_AXIS = YearRangeAxis()
SEARCH_AXIS = SearchAxis()
PATIENT_AXIS = PatientAxis()
