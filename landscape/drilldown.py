"""Charts that narrow the filters: click a bar, cell or point, or pick it from a list beside the chart."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from landscape.chart_export import (
    add_export_caption,
    make_chart_config,
    name_chart_file,
    offer_csv_download,
    read_chart_context,
    read_figure_title,
    read_image_format,
    select_image_format,
    write_chart_about,
)
from landscape.filters import LIST_PARAMS, TrialFilters
from landscape.sidebar import narrow_filters

# Several values for one filter travel in one customdata string, joined with this.
VALUE_SEPARATOR = "|"
_REQUEST = "_drilldown_request"
# Bumped on every drill-down so charts start without the old selection highlighted.
_GENERATION = "_drilldown_generation"

# Filter changes a picker option stands for: filter name -> values.
Changes = dict[str, list[str]]


@st.cache_resource(max_entries=500, show_spinner=False)
def _build_figure(module: str, name: str, frame: pl.DataFrame, kwargs: tuple) -> go.Figure:
    draw = getattr(importlib.import_module(module), name)
    return draw(frame, **dict(kwargs))


def make_figure(draw: Callable[..., go.Figure], frame: pl.DataFrame, **kwargs: Any) -> go.Figure:
    """draw(frame, **kwargs), reused while the frame and arguments are unchanged.

    Building a Plotly figure costs tens of milliseconds of validation, more than the cached query
    behind it; the figure is never modified after it is built, so one instance serves every session.
    """
    return _build_figure(draw.__module__, draw.__name__, frame, tuple(sorted(kwargs.items())))


def apply_requested_drilldown() -> None:
    """Narrow the filters to what a chart click or picker asked for in the previous interaction.

    Call first thing on a page: widget callbacks run before the page, but filters can only change
    through the sidebar's own narrow_filters, which reruns the app.
    """
    request: Changes | None = st.session_state.pop(_REQUEST, None)
    if request:
        st.session_state[_GENERATION] = st.session_state.get(_GENERATION, 0) + 1
        narrow_filters(**request)


def _request(changes: Changes) -> None:
    cleaned = {name: values for name, values in changes.items() if name in LIST_PARAMS and values}
    if cleaned:
        st.session_state[_REQUEST] = cleaned


def split_values(text: object) -> list[str]:
    """The filter values one customdata or picker entry holds."""
    return [v for v in str(text or "").split(VALUE_SEPARATOR) if v]


def read_selection_changes(points: Sequence[Mapping], fields: Sequence[str]) -> Changes:
    """Filter changes for the selected points: customdata position i holds values for fields[i]."""
    changes: Changes = {}
    for point in points:
        data = point.get("customdata")
        if data is None:
            continue
        values = data if isinstance(data, list | tuple) else [data]
        for field_name, value in zip(fields, values, strict=False):
            bucket = changes.setdefault(field_name, [])
            bucket.extend(v for v in split_values(value) if v not in bucket)
    return {name: values for name, values in changes.items() if values}


def _on_chart_select(chart_key: str, fields: tuple[str, ...]) -> None:
    state = st.session_state.get(chart_key) or {}
    points = (state.get("selection") or {}).get("points") or []
    _request(read_selection_changes(points, fields))


def _on_pick(picker_key: str, options: Mapping[str, Changes]) -> None:
    chosen = st.session_state.get(picker_key)
    if chosen in options:
        _request(dict(options[chosen]))
    st.session_state[picker_key] = None


def build_picker_options(
    frame: pl.DataFrame, label_column: str, field_columns: Mapping[str, str]
) -> dict[str, Changes]:
    """Picker entries from a chart's table: display label -> filter changes (rows without values skipped)."""
    options: dict[str, Changes] = {}
    if frame.is_empty():
        return options
    columns = [pl.col(label_column).cast(pl.String).alias("_label")]
    columns += [pl.col(c).cast(pl.String).alias(f"_value{i}") for i, c in enumerate(field_columns.values())]
    for row in frame.select(columns).iter_rows():
        label, values = row[0], row[1:]
        changes = {name: split_values(v) for name, v in zip(field_columns, values, strict=True)}
        if label and all(changes.values()) and label not in options:
            options[label] = changes
    return options


def show_empty(message: str) -> None:
    """What a chart says when the filters leave it nothing to draw."""
    st.info(message, icon=":material/filter_alt_off:")


def show_chart(
    fig: go.Figure,
    *,
    key: str,
    table: pl.DataFrame,
    name: str,
    filters: TrialFilters,
    drill_fields: Sequence[str] = (),
    picker: Mapping[str, Changes] | None = None,
    picker_label: str = "Narrow to…",
    note: str | None = None,
    selectable: bool = False,
) -> list[list[str]]:
    """Draw a chart with its CSV download and, when it can drill down, a 'narrow to' picker.

    drill_fields name the filters that each point's customdata values set (in order), so clicking
    a bar, cell or point narrows the filters to it. Without drill_fields, `selectable` charts return
    the customdata of the points the reader selected (for drill-downs that are not filters).
    """
    generation = st.session_state.get(_GENERATION, 0)
    chart_key = f"{key}_chart_{generation}"
    # The figure carries its filters, trial count, data date and source, so a saved image keeps them.
    context = read_chart_context(filters)
    stem = name_chart_file(name, filters, context.data_timestamp)
    title = read_figure_title(fig)
    fig = add_export_caption(fig, context)
    config = make_chart_config(stem, read_image_format())
    selected: list[list[str]] = []
    if drill_fields:
        st.plotly_chart(
            fig,
            key=chart_key,
            on_select=lambda: _on_chart_select(chart_key, tuple(drill_fields)),
            selection_mode="points",
            config=config,
            width="stretch",
        )
    elif selectable:
        event = st.plotly_chart(
            fig, key=chart_key, on_select="rerun", selection_mode="points", config=config, width="stretch"
        )
        for point in event.selection.points if event else []:
            data = point.get("customdata")
            if data is not None:
                selected.append([str(v) for v in (data if isinstance(data, list | tuple) else [data])])
    else:
        st.plotly_chart(fig, key=chart_key, config=config, width="stretch")
    about = lambda: write_chart_about(title or name, table, context)  # noqa: E731
    _offer_table_actions(table, stem, key, picker, picker_label, clickable=bool(drill_fields), about=about)
    if note:
        st.caption(note)
    return selected


def show_page_header(title: str, intro: str) -> None:
    """Page title and one-line purpose, with the chart image format switch at the right."""
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    with left:
        st.title(title)
        st.caption(intro)
    with right:
        select_image_format()


def offer_narrowing(
    options: Mapping[str, Changes], *, key: str, label: str = "Narrow to…", hint: str = ""
) -> None:
    """A 'narrow to' list: choosing an entry sets the filters it stands for (on the next run)."""
    picker_key = f"{key}_narrow"
    st.selectbox(
        label,
        options=list(options),
        index=None,
        key=picker_key,
        on_change=_on_pick,
        args=(picker_key, dict(options)),
        placeholder=label + hint,
        label_visibility="collapsed",
    )


def _offer_table_actions(
    table: pl.DataFrame,
    stem: str,
    key: str,
    picker: Mapping[str, Changes] | None,
    picker_label: str,
    clickable: bool,
    about: Callable[[], str] | None = None,
) -> None:
    left, right = st.columns([1, 3], vertical_alignment="center")
    with left:
        offer_csv_download(table, stem, key=f"{key}_csv", about=about)
    if picker:
        with right:
            hint = " (or click the chart)" if clickable else ""
            offer_narrowing(picker, key=key, label=picker_label, hint=hint)


def show_table(
    table: pl.DataFrame,
    *,
    key: str,
    name: str,
    filters: TrialFilters,
    shown: pl.DataFrame | None = None,
    column_config: Mapping[str, Any] | None = None,
    picker: Mapping[str, Changes] | None = None,
    picker_label: str = "Narrow to…",
    height: int | str = "auto",
) -> None:
    """A table with its CSV download and an optional 'narrow to' list; `shown` is what is displayed
    (default: the table itself, which is what the CSV holds)."""
    st.dataframe(
        table if shown is None else shown,
        hide_index=True,
        width="stretch",
        height=height,
        column_config=dict(column_config or {}),
        key=f"{key}_table",
    )
    context = read_chart_context(filters)
    _offer_table_actions(
        table,
        name_chart_file(name, filters, context.data_timestamp),
        key,
        picker,
        picker_label,
        clickable=False,
        about=lambda: write_chart_about(name, table, context),
    )
