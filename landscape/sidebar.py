"""The shared filter sidebar: widgets with option counts, kept in session state and in the URL."""

from __future__ import annotations

import streamlit as st

from landscape.cache import run_query
from landscape.filters import LIST_PARAMS, TrialFilters, parse_query_params
from landscape.queries.eligibility_options import list_patient_measures
from landscape.queries.options import count_option_trials, list_all_options, read_start_year_bounds

# Parameters that belong to a page, not to the filters (e.g. which trial the trial page shows).
PAGE_PARAMS = frozenset({"nct"})

LIST_LABELS: dict[str, str] = {
    "targets": "Target antigen",
    "modalities": "Modality",
    "condition_families": "Condition family",
    "condition_entities": "Condition",
    "phases": "Phase",
    "status_groups": "Status",
    "sponsor_classes": "Sponsor class",
    "sponsors": "Sponsor",
    "countries": "Country",
    "products": "Product",
}
_KEY = "flt_"
_STARTED = "_filters_started"
_NOTICES = "_filter_notices"
_MEASURES_KEY = _KEY + "measures"
_PENDING = "_pending_filter_changes"


def _widget_key(name: str) -> str:
    return _KEY + name


def _admit_key(measure: str) -> str:
    return f"{_KEY}admit_{measure}"


def _read_url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params if k not in PAGE_PARAMS}


def _seed_from_url() -> None:
    """On a session's first run, put the URL's filters into the widgets' state."""
    measures = frozenset(run_query(list_patient_measures)["measure"].to_list())
    filters, notices = parse_query_params(_read_url_params(), known_measures=measures)
    for name in LIST_PARAMS:
        values = getattr(filters, name)
        if not values:
            continue
        options = set(run_query(list_all_options, name))
        kept = [v for v in values if v in options]
        notices += [
            f"ignored {LIST_PARAMS[name]}='{v[:60]}': no trials have it" for v in values if v not in options
        ]
        st.session_state[_widget_key(name)] = kept
    bounds = run_query(read_start_year_bounds)
    if bounds and (filters.start_year_min is not None or filters.start_year_max is not None):
        lo = max(bounds[0], min(filters.start_year_min or bounds[0], bounds[1]))
        hi = min(bounds[1], max(filters.start_year_max or bounds[1], bounds[0]))
        st.session_state[_widget_key("start_years")] = (lo, hi)
    st.session_state[_widget_key("search_text")] = filters.search_text
    st.session_state[_widget_key("patient_age_years")] = filters.patient_age_years
    st.session_state[_MEASURES_KEY] = [m for m, _ in filters.patient_values]
    for measure, value in filters.patient_values:
        st.session_state[_admit_key(measure)] = value
    st.session_state[_NOTICES] = notices
    st.session_state[_STARTED] = True


def read_filters_from_state() -> TrialFilters:
    """The filters the widgets currently hold (before or after they are drawn)."""
    state = st.session_state
    values: dict[str, object] = {name: tuple(state.get(_widget_key(name)) or ()) for name in LIST_PARAMS}
    bounds = run_query(read_start_year_bounds)
    years = state.get(_widget_key("start_years"))
    if bounds and years and tuple(years) != bounds:
        values["start_year_min"], values["start_year_max"] = int(years[0]), int(years[1])
    values["search_text"] = (state.get(_widget_key("search_text")) or "").strip()
    values["patient_age_years"] = state.get(_widget_key("patient_age_years"))
    patient = []
    for measure in state.get(_MEASURES_KEY) or []:
        value = state.get(_admit_key(measure))
        if value is not None:
            patient.append((measure, float(value)))
    values["patient_values"] = tuple(sorted(patient))
    return TrialFilters(**values)  # type: ignore[arg-type]


def _reset() -> None:
    for key in list(st.session_state):
        if str(key).startswith(_KEY):
            del st.session_state[key]
    st.session_state[_NOTICES] = []


def _write_url(filters: TrialFilters) -> None:
    """Mirror the filters into the address bar, keeping page parameters such as ?nct=."""
    wanted = filters.to_query_params()
    current = _read_url_params()
    if current == wanted:
        return
    for key in list(st.query_params):
        if key not in PAGE_PARAMS:
            del st.query_params[key]
    for key, values in wanted.items():
        st.query_params[key] = values if len(values) > 1 else values[0]


def _default_unless_set(key: str, default: object) -> dict[str, object]:
    """A widget's `value=` only when session state holds none (both at once makes Streamlit warn)."""
    return {} if key in st.session_state else {"value": default}


def _format_with_count(counts: dict[str, int]):
    return lambda value: f"{value} ({counts.get(value, 0)})"


def narrow_filters(**changes: list[str] | tuple[str, ...]) -> None:
    """Drill down from a chart: set list filters (e.g. targets=["CD19"]) and rerun the page.

    Widgets cannot change once drawn in a run, so the change waits in session state and is applied
    before the sidebar is drawn again.
    """
    unknown = set(changes) - set(LIST_PARAMS)
    if unknown:
        raise ValueError(f"not list filters: {sorted(unknown)}")
    st.session_state[_PENDING] = {name: list(values) for name, values in changes.items()}
    st.rerun()


def _apply_pending_changes() -> None:
    for name, values in (st.session_state.pop(_PENDING, None) or {}).items():
        options = set(run_query(list_all_options, name))
        st.session_state[_widget_key(name)] = [v for v in values if v in options]


def render_filter_sidebar() -> TrialFilters:
    """Draw the sidebar and return the filters; call once per run, before the page."""
    if not st.session_state.get(_STARTED):
        _seed_from_url()
    _apply_pending_changes()
    current = read_filters_from_state()
    sidebar = st.sidebar
    sidebar.header("Filters")
    sidebar.button("Reset filters", on_click=_reset, width="stretch", key="reset_filters")
    sidebar.text_input(
        "Search titles, interventions, conditions",
        key=_widget_key("search_text"),
        placeholder="e.g. KYV-101 or nephritis",
    )
    for name, label in LIST_LABELS.items():
        counts_frame = run_query(count_option_trials, current, name)
        counts = dict(
            zip(counts_frame["value"].to_list(), counts_frame["trial_count"].to_list(), strict=True)
        )
        sidebar.multiselect(
            label,
            options=run_query(list_all_options, name),
            key=_widget_key(name),
            format_func=_format_with_count(counts),
            placeholder="Any",
        )
    bounds = run_query(read_start_year_bounds)
    if bounds and bounds[0] < bounds[1]:
        sidebar.slider(
            "Start year",
            min_value=bounds[0],
            max_value=bounds[1],
            key=_widget_key("start_years"),
            **_default_unless_set(_widget_key("start_years"), bounds),
        )
    with sidebar.expander(
        "Would admit a patient with…",
        expanded=bool(current.patient_values or current.patient_age_years is not None),
    ):
        st.number_input(
            "Age (years)",
            min_value=0.0,
            max_value=120.0,
            step=1.0,
            key=_widget_key("patient_age_years"),
            **_default_unless_set(_widget_key("patient_age_years"), None),
        )
        measures = run_query(list_patient_measures)
        labels = dict(zip(measures["measure"].to_list(), measures["label"].to_list(), strict=True))
        chosen = st.multiselect(
            "Other measures",
            options=list(labels),
            format_func=lambda m: labels.get(m, m),
            key=_MEASURES_KEY,
            placeholder="e.g. eGFR, LVEF",
        )
        for measure in chosen:
            st.number_input(
                labels.get(measure, measure),
                key=_admit_key(measure),
                **_default_unless_set(_admit_key(measure), None),
            )
        st.caption("Trials that state no limit on a measure are kept.")
    filters = read_filters_from_state()
    _write_url(filters)
    return filters


def show_filter_notices() -> None:
    """Say which link parameters were ignored (never an error: the rest of the view still loads)."""
    notices = st.session_state.get(_NOTICES) or []
    if notices:
        st.warning(
            "Some parts of this link were not understood and were ignored:\n\n- " + "\n- ".join(notices)
        )
