"""The shared filter sidebar: widgets with option counts, kept in session state and in the URL.

Session state is the source of truth once a session has started: Streamlit clears the address
bar's parameters when the page changes, so every run writes the filters back into it.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landscape.cache import run_query
from landscape.filters import LIST_PARAMS, TrialFilters, parse_query_params
from landscape.page import escape_markdown
from landscape.queries.eligibility_options import list_patient_measures
from landscape.queries.methods import read_latest_refresh
from landscape.queries.options import (
    count_all_option_trials,
    count_matching_trials,
    list_all_options,
    read_start_year_bounds,
)

# Parameters that belong to a page, not to the filters (e.g. which trial the trial page shows).
PAGE_PARAMS = frozenset({"nct"})

LIST_LABELS: dict[str, str] = {
    "targets": "Target antigen",
    "constructs": "Target construct",
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
# Drawn inside a "More filters" expander (open whenever one of them is set), to keep the sidebar short.
MORE_FILTERS = ("sponsor_classes", "sponsors", "countries", "products")
_KEY = "flt_"
_STARTED = "_filters_started"
_NOTICES = "_filter_notices"
_SEEDED = "_filters_seeded"
_MEASURES_KEY = _KEY + "measures"
_PENDING = "_pending_filter_changes"
# A copy of every filter widget's value, outside the widgets' own state: st.switch_page reruns
# without the browser's widget values, and Streamlit then drops every widget's state.
_SHADOW = "_filters_shadow"


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
            f"ignored {LIST_PARAMS[name]}='{v[:60]}': no trial in the data has it"
            for v in values
            if v not in options
        ]
        st.session_state[_widget_key(name)] = kept
    bounds = run_query(read_start_year_bounds)
    if bounds and (filters.start_year_min is not None or filters.start_year_max is not None):
        lo = filters.start_year_min if filters.start_year_min is not None else bounds[0]
        hi = filters.start_year_max if filters.start_year_max is not None else bounds[1]
        st.session_state[_widget_key("start_years")] = _clamp_years((lo, hi), bounds)
    st.session_state[_widget_key("search_text")] = filters.search_text
    st.session_state[_widget_key("patient_age_years")] = filters.patient_age_years
    st.session_state[_MEASURES_KEY] = [m for m, _ in filters.patient_values]
    for measure, value in filters.patient_values:
        st.session_state[_admit_key(measure)] = value
    st.session_state[_NOTICES] = notices
    st.session_state[_STARTED] = True
    st.session_state[_SEEDED] = read_filters_from_state()


def _clamp_years(years: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int]:
    lo, hi = (min(max(int(y), bounds[0]), bounds[1]) for y in years)
    return (lo, hi) if lo <= hi else (hi, lo)


def read_filters_from_state() -> TrialFilters:
    """The filters the widgets currently hold (before or after they are drawn)."""
    state = st.session_state
    values: dict[str, object] = {name: tuple(state.get(_widget_key(name)) or ()) for name in LIST_PARAMS}
    bounds = run_query(read_start_year_bounds)
    years = state.get(_widget_key("start_years"))
    if bounds and years:
        # An end left at the data's bound is no restriction (and keeps trials without a start out
        # of the question only when the reader moved a handle).
        lo, hi = _clamp_years(tuple(years), bounds)
        values["start_year_min"] = lo if lo != bounds[0] else None
        values["start_year_max"] = hi if hi != bounds[1] else None
    values["search_text"] = (state.get(_widget_key("search_text")) or "").strip()
    age = state.get(_widget_key("patient_age_years"))
    values["patient_age_years"] = None if age is None else float(age)
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
    st.session_state[_SHADOW] = {}
    st.session_state[_NOTICES] = []


def _save_shadow() -> None:
    st.session_state[_SHADOW] = {
        key: value for key, value in st.session_state.items() if str(key).startswith(_KEY)
    }


def _restore_shadow() -> None:
    """Put back filter values that Streamlit dropped (page switch by code); drawn widgets pick them up."""
    for key, value in (st.session_state.get(_SHADOW) or {}).items():
        if key not in st.session_state:
            st.session_state[key] = value


def _write_url(filters: TrialFilters) -> None:
    """Mirror the filters into the address bar, keeping page parameters such as ?nct=."""
    wanted = filters.to_query_params()
    if _read_url_params() == wanted:
        return
    for key in list(st.query_params):
        if key not in PAGE_PARAMS:
            del st.query_params[key]
    for key, values in wanted.items():
        st.query_params[key] = values if len(values) > 1 else values[0]


def _default_unless_set(key: str, default: object) -> dict[str, object]:
    """A widget's `value=` only when session state holds none (both at once makes Streamlit warn)."""
    return {} if key in st.session_state else {"value": default}


def _format_with_count(counts: dict[str, int]) -> Callable[[str], str]:
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


def _draw_patient_filters(current: TrialFilters) -> None:
    with st.sidebar.expander(
        "Would admit a patient with…",
        expanded=bool(current.patient_values or current.patient_age_years is not None),
    ):
        st.number_input(
            "Age (years)",
            min_value=0.0,
            max_value=120.0,
            step=1.0,
            format="%.1f",
            key=_widget_key("patient_age_years"),
            placeholder="any age",
            **_default_unless_set(_widget_key("patient_age_years"), None),
        )
        measures = run_query(list_patient_measures)
        labels = dict(zip(measures["measure"].to_list(), measures["label"].to_list(), strict=True))
        stating = dict(zip(measures["measure"].to_list(), measures["trial_count"].to_list(), strict=True))
        chosen = st.multiselect(
            "Other measures",
            options=list(labels),
            format_func=lambda m: f"{labels.get(m, m)} ({stating.get(m, 0)} trials state a limit)",
            key=_MEASURES_KEY,
            placeholder="e.g. eGFR, LVEF" if labels else "no thresholds in this data",
            disabled=not labels,
        )
        for measure in chosen:
            st.number_input(
                f"{labels.get(measure, measure)}",
                key=_admit_key(measure),
                placeholder="patient's value",
                **_default_unless_set(_admit_key(measure), None),
            )
        st.caption(
            "Keeps trials whose stated limits admit these values. Trials that state no limit on a "
            "measure are kept: their criteria may still exclude the patient in words."
        )


def _draw_list_filter(container: DeltaGenerator, name: str, current: TrialFilters) -> None:
    every_count = run_query(count_all_option_trials, current)
    mine = every_count.filter(every_count["field"] == name)
    counts = dict(zip(mine["value"].to_list(), mine["trial_count"].to_list(), strict=True))
    container.multiselect(
        LIST_LABELS[name],
        options=run_query(list_all_options, name),
        key=_widget_key(name),
        format_func=_format_with_count(counts),
        placeholder="Any",
    )


def _draw_data_note(container: DeltaGenerator) -> None:
    latest = run_query(read_latest_refresh)
    stamp = latest.get("data_timestamp") or "an unknown date"
    source = latest.get("source") or "unknown source"
    container.caption(f"Data: {escape_markdown(source)}, as of {escape_markdown(stamp)}. See Data & methods.")


def render_filter_sidebar() -> TrialFilters:
    """Draw the sidebar and return the filters; call once per run, before the page."""
    if not st.session_state.get(_STARTED):
        _seed_from_url()
    _restore_shadow()
    _apply_pending_changes()
    bounds = run_query(read_start_year_bounds)
    years_key = _widget_key("start_years")
    if bounds and years_key in st.session_state:
        # A refreshed database can move the bounds; a stale value outside them would be rejected.
        st.session_state[years_key] = _clamp_years(tuple(st.session_state[years_key]), bounds)
    current = read_filters_from_state()
    sidebar = st.sidebar
    sidebar.header("Filters")
    matching = run_query(count_matching_trials, current)
    total = run_query(count_matching_trials, TrialFilters())
    sidebar.markdown(
        f"**{matching}** of {total} trials match" if not current.is_empty() else f"{total} trials"
    )
    sidebar.button(
        "Reset filters", on_click=_reset, width="stretch", key="reset_filters", disabled=current.is_empty()
    )
    sidebar.text_input(
        "Search titles, interventions, conditions",
        key=_widget_key("search_text"),
        placeholder="e.g. KYV-101 or nephritis",
    )
    for name in LIST_LABELS:
        if name not in MORE_FILTERS:
            _draw_list_filter(sidebar, name, current)
    if bounds and bounds[0] < bounds[1]:
        sidebar.slider(
            "Start year",
            min_value=bounds[0],
            max_value=bounds[1],
            key=years_key,
            help="Moving a handle also leaves out trials with no start date.",
            **_default_unless_set(years_key, bounds),
        )
    more = sidebar.expander(
        "Sponsor, country, product", expanded=any(getattr(current, n) for n in MORE_FILTERS)
    )
    for name in MORE_FILTERS:
        _draw_list_filter(more, name, current)
    _draw_patient_filters(current)
    sidebar.caption("Numbers in brackets: trials with that option under the other filters.")
    _draw_data_note(sidebar)
    filters = read_filters_from_state()
    _save_shadow()
    _write_url(filters)
    return filters


def show_filter_notices() -> None:
    """Say which link parameters were ignored (never an error: the rest of the view still loads).

    The notice stays until the reader changes a filter, so it is seen on whichever page the link opened.
    """
    notices = st.session_state.get(_NOTICES) or []
    if notices and read_filters_from_state() != st.session_state.get(_SEEDED):
        st.session_state[_NOTICES] = notices = []
    if notices:
        st.warning(
            # Notices quote the URL: escaped so a crafted link cannot inject links or images.
            "Some parts of this link were not understood and were ignored:\n\n- "
            + "\n- ".join(escape_markdown(n) for n in notices),
            icon="⚠️",
        )
