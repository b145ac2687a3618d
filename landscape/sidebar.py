"""The shared filter sidebar: one widget per registered axis, with option counts.

The filters live in one TrialFilters in session state (`landscape/filter_state.py`). Widgets are
redrawn from it on every run and change it only through their callbacks; the address mirrors it once
per run (Streamlit clears the address's parameters when the page changes, so every run writes them).
A session's first run reads the filters from the address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from landscape import filter_state
from landscape.axes import LIST_AXES, PATIENT_AXIS, SEARCH_AXIS, YEAR_AXIS, ListAxis
from landscape.cache import run_query
from landscape.filters import LIST_PARAMS, TrialFilters, parse_query_params
from landscape.queries.eligibility_options import list_patient_measures
from landscape.queries.methods import read_latest_refresh
from landscape.queries.options import (
    count_all_option_trials,
    count_matching_trials,
    list_all_options,
    read_start_year_bounds,
)
from landscape.text import escape_markdown

# Parameters that belong to a page, not to the filters (e.g. which trial the trial page shows).
PAGE_PARAMS = frozenset({"nct"})

_KEY = "flt_"
_NOTICES = "_filter_notices"
_SEEDED = "_filters_seeded"
# Measures the reader chose to enter a value for; one with no value yet is not a filter.
_SHOWN_MEASURES = "_patient_measures_shown"
_YEARS = "start_years"
_MEASURES = "measures"


def widget_key(name: str) -> str:
    """The session-state key of a filter's widget: a list axis name, `start_years`, `search_text`,
    `patient_age_years`, `measures` or `admit.<measure>` (for tests that drive the widgets)."""
    return _KEY + name


def _admit_key(measure: str) -> str:
    return widget_key(PATIENT_AXIS.measure_url_prefix + measure)


def _read_url_params() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params if k not in PAGE_PARAMS}


def _known_options(names: Iterable[str]) -> dict[str, list[str]]:
    return {name: run_query(list_all_options, name) for name in names}


def _clamp_years(years: tuple[int, int], bounds: tuple[int, int]) -> tuple[int, int]:
    lo, hi = (min(max(int(y), bounds[0]), bounds[1]) for y in years)
    return (lo, hi) if lo <= hi else (hi, lo)


def _fit_years(filters: TrialFilters) -> TrialFilters:
    """Years inside the data's bounds; an end at a bound is no restriction (as the slider shows it)."""
    lo, hi = getattr(filters, YEAR_AXIS.min_field), getattr(filters, YEAR_AXIS.max_field)
    bounds = run_query(read_start_year_bounds)
    if not bounds or (lo is None and hi is None):
        return filters
    lo, hi = _clamp_years((bounds[0] if lo is None else lo, bounds[1] if hi is None else hi), bounds)
    return replace(
        filters,
        **{
            YEAR_AXIS.min_field: lo if lo != bounds[0] else None,
            YEAR_AXIS.max_field: hi if hi != bounds[1] else None,
        },
    )


def _seed_from_url() -> None:
    """On a session's first run, the filters come from the address (values the data lacks dropped)."""
    measures = frozenset(run_query(list_patient_measures)["measure"].to_list())
    filters, notices = parse_query_params(_read_url_params(), known_measures=measures)
    known = _known_options(axis.name for axis in LIST_AXES if getattr(filters, axis.name))
    kept: dict[str, tuple[str, ...]] = {}
    for name, options in known.items():
        allowed = set(options)
        values = getattr(filters, name)
        kept[name] = tuple(v for v in values if v in allowed)
        notices += [
            f"ignored {LIST_PARAMS[name]}='{v[:60]}': no trial in the data has it"
            for v in values
            if v not in allowed
        ]
    filters = _fit_years(replace(filters, **kept))
    filter_state.write_filters(filters)
    st.session_state[_SHOWN_MEASURES] = [m for m, _ in getattr(filters, PATIENT_AXIS.values_field)]
    st.session_state[_NOTICES] = notices
    st.session_state[_SEEDED] = filters


def _update(**changes: object) -> None:
    filter_state.write_filters(replace(filter_state.read_filters(), **changes))


# Widget callbacks: each copies its widget's new value into the filters.
def _on_list_change(name: str) -> None:
    _update(**{name: tuple(st.session_state.get(widget_key(name)) or ())})


def _on_search_change() -> None:
    text = (st.session_state.get(widget_key(SEARCH_AXIS.field)) or "").strip()
    _update(**{SEARCH_AXIS.field: text[: SEARCH_AXIS.max_length]})


def _on_years_change() -> None:
    lo, hi = st.session_state.get(widget_key(_YEARS))
    filters = replace(filter_state.read_filters(), **{YEAR_AXIS.min_field: lo, YEAR_AXIS.max_field: hi})
    filter_state.write_filters(_fit_years(filters))


def _on_age_change() -> None:
    age = st.session_state.get(widget_key(PATIENT_AXIS.age_field))
    _update(**{PATIENT_AXIS.age_field: None if age is None else float(age)})


def _patient_values() -> dict[str, float]:
    return dict(getattr(filter_state.read_filters(), PATIENT_AXIS.values_field))


def _set_patient_values(values: Mapping[str, float]) -> None:
    _update(**{PATIENT_AXIS.values_field: tuple(sorted(values.items()))})


def _on_measures_change() -> None:
    chosen = list(st.session_state.get(widget_key(_MEASURES)) or [])
    st.session_state[_SHOWN_MEASURES] = chosen
    _set_patient_values({m: v for m, v in _patient_values().items() if m in chosen})


def _on_measure_value_change(measure: str) -> None:
    value = st.session_state.get(_admit_key(measure))
    values = _patient_values()
    if value is None:
        values.pop(measure, None)
    else:
        values[measure] = float(value)
    _set_patient_values(values)


def _reset() -> None:
    filter_state.write_filters(TrialFilters())
    st.session_state[_SHOWN_MEASURES] = []
    st.session_state[_NOTICES] = []


def narrow_filters(changes: Mapping[str, Iterable[str]]) -> None:
    """Set list filters (e.g. {"targets": ["CD19"]}) from a chart click or pick; call from a callback.

    Values the data lacks are dropped (a multiselect cannot show them); other axes stay as they are."""
    filter_state.narrow(changes, _known_options(changes))


def _shown_measures(filters: TrialFilters) -> list[str]:
    shown = list(st.session_state.get(_SHOWN_MEASURES) or [])
    return shown + [m for m, _ in getattr(filters, PATIENT_AXIS.values_field) if m not in shown]


def _push_widget_values(filters: TrialFilters, bounds: tuple[int, int] | None) -> None:
    """Set every filter widget's value from the filters, before any is drawn in this run."""
    state = st.session_state
    for axis in LIST_AXES:
        state[widget_key(axis.name)] = list(getattr(filters, axis.name))
    state[widget_key(SEARCH_AXIS.field)] = getattr(filters, SEARCH_AXIS.field)
    if bounds:
        lo, hi = getattr(filters, YEAR_AXIS.min_field), getattr(filters, YEAR_AXIS.max_field)
        state[widget_key(_YEARS)] = _clamp_years(
            (bounds[0] if lo is None else lo, bounds[1] if hi is None else hi), bounds
        )
    state[widget_key(PATIENT_AXIS.age_field)] = getattr(filters, PATIENT_AXIS.age_field)
    shown = _shown_measures(filters)
    state[widget_key(_MEASURES)] = shown
    values = dict(getattr(filters, PATIENT_AXIS.values_field))
    for measure in shown:
        state[_admit_key(measure)] = values.get(measure)


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


def _format_with_count(counts: dict[str, int]) -> Callable[[str], str]:
    return lambda value: f"{value} ({counts.get(value, 0)})"


def _draw_patient_filters(current: TrialFilters) -> None:
    age_field, values_field = PATIENT_AXIS.age_field, PATIENT_AXIS.values_field
    with st.sidebar.expander(
        PATIENT_AXIS.label,
        expanded=bool(getattr(current, values_field) or getattr(current, age_field) is not None),
    ):
        st.number_input(
            "Age (years)",
            min_value=PATIENT_AXIS.age_range[0],
            max_value=PATIENT_AXIS.age_range[1],
            step=1.0,
            format="%.1f",
            key=widget_key(age_field),
            on_change=_on_age_change,
            placeholder="any age",
            value=None,
        )
        measures = run_query(list_patient_measures)
        labels = dict(zip(measures["measure"].to_list(), measures["label"].to_list(), strict=True))
        stating = dict(zip(measures["measure"].to_list(), measures["trial_count"].to_list(), strict=True))
        chosen = st.multiselect(
            "Other measures",
            options=list(labels),
            format_func=lambda m: f"{labels.get(m, m)} ({stating.get(m, 0)} trials state a limit)",
            key=widget_key(_MEASURES),
            on_change=_on_measures_change,
            placeholder="e.g. eGFR, LVEF" if labels else "no thresholds in this data",
            disabled=not labels,
        )
        for measure in chosen:
            st.number_input(
                f"{labels.get(measure, measure)}",
                key=_admit_key(measure),
                on_change=_on_measure_value_change,
                args=(measure,),
                placeholder="patient's value",
                value=None,
            )
        st.caption(
            "Keeps trials whose stated limits admit these values. Trials that state no limit on a "
            "measure are kept: their criteria may still exclude the patient in words."
        )


def _draw_list_filter(container: DeltaGenerator, axis: ListAxis, every_count: object) -> None:
    mine = every_count.filter(every_count["field"] == axis.name)  # type: ignore[attr-defined]
    counts = dict(zip(mine["value"].to_list(), mine["trial_count"].to_list(), strict=True))
    container.multiselect(
        axis.label,
        options=run_query(list_all_options, axis.name),
        key=widget_key(axis.name),
        on_change=_on_list_change,
        args=(axis.name,),
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
    if not filter_state.has_filters():
        _seed_from_url()
    bounds = run_query(read_start_year_bounds)
    # A refreshed database can move the year bounds: keep the filters inside them.
    current = _fit_years(filter_state.read_filters())
    filter_state.write_filters(current)
    _push_widget_values(current, bounds)
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
        SEARCH_AXIS.label,
        key=widget_key(SEARCH_AXIS.field),
        on_change=_on_search_change,
        max_chars=SEARCH_AXIS.max_length,
        placeholder="e.g. KYV-101 or nephritis",
    )
    every_count = run_query(count_all_option_trials, current)
    for axis in LIST_AXES:
        if not axis.is_secondary:
            _draw_list_filter(sidebar, axis, every_count)
    if bounds and bounds[0] < bounds[1]:
        sidebar.slider(
            YEAR_AXIS.label,
            min_value=bounds[0],
            max_value=bounds[1],
            key=widget_key(_YEARS),
            on_change=_on_years_change,
            help="Moving a handle also leaves out trials with no start date.",
        )
    secondary = [axis for axis in LIST_AXES if axis.is_secondary]
    more = sidebar.expander(
        ", ".join([secondary[0].label, *(a.label.lower() for a in secondary[1:])]) if secondary else "More",
        expanded=any(getattr(current, a.name) for a in secondary),
    )
    for axis in secondary:
        _draw_list_filter(more, axis, every_count)
    _draw_patient_filters(current)
    sidebar.caption("Numbers in brackets: trials with that option under the other filters.")
    _draw_data_note(sidebar)
    _write_url(current)
    return current


def show_filter_notices() -> None:
    """Say which link parameters were ignored (never an error: the rest of the view still loads).

    The notice stays until the reader changes a filter, so it is seen on whichever page the link opened.
    """
    notices = st.session_state.get(_NOTICES) or []
    if notices and filter_state.read_filters() != st.session_state.get(_SEEDED):
        st.session_state[_NOTICES] = notices = []
    if notices:
        st.warning(
            # Notices quote the URL: escaped so a crafted link cannot inject links or images.
            "Some parts of this link were not understood and were ignored:\n\n- "
            + "\n- ".join(escape_markdown(n) for n in notices),
            icon="⚠️",
        )
