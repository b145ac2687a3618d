"""Page furniture every page shares: the opening (header, filters, empty state), figures, chart and
table blocks with their downloads, and links that keep the filters."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from landscape.cache import run_query
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
from landscape.drilldown import (
    Changes,
    Narrows,
    build_narrowing,
    chart_generation,
    describe_narrowing,
    offer_narrowing,
    on_chart_select,
    resolve_narrows,
)
from landscape.filter_state import read_filters
from landscape.filters import TrialFilters
from landscape.queries.overview import count_trials
from landscape.text import escape_markdown

__all__ = ["escape_markdown"]  # re-exported: pages quote registry text through it

# Relative to the app's own address, so links keep working under a base path or a proxy.
TRIAL_PAGE = "trial"
# The axes of every "trials started per year" bar chart (frames with start_year, trial_count).
STARTS_PER_YEAR: dict[str, str] = {
    "x": "start_year",
    "y": "trial_count",
    "x_title": "Start year",
    "y_title": "Trials started",
}
NO_MATCH = "No trials match these filters. Loosen a filter in the sidebar or press Reset filters."


def get_filters() -> TrialFilters:
    """The filters in force for this run (the sidebar drew them)."""
    return read_filters()


def show_page_header(title: str, intro: str) -> None:
    """Page title and one-line purpose, with the chart image format switch at the right."""
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    with left:
        st.title(title)
        st.caption(intro)
    with right:
        select_image_format()


def show_empty(message: str) -> None:
    """What a chart or page says when the filters leave it nothing to draw."""
    st.info(message, icon=":material/filter_alt_off:")


def open_page(title: str, intro: str, summary: Callable[..., Any] = count_trials) -> tuple[TrialFilters, Any]:
    """A page's opening: header, the filters, and `summary(filters)` (a trial count, or a mapping
    with a `trials` count); stops the page with the empty state when no trial matches."""
    filters = get_filters()
    show_page_header(title, intro)
    result = run_query(summary, filters)
    trials = result["trials"] if isinstance(result, Mapping) else int(result)
    if trials == 0:
        show_empty(NO_MATCH)
        st.stop()
    return filters, result


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
    chart_key = f"{key}_chart_{chart_generation()}"
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
            on_select=lambda: on_chart_select(chart_key, tuple(drill_fields)),
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


def show_chart_block(
    draw: Callable[..., go.Figure],
    frame: pl.DataFrame,
    *,
    key: str,
    name: str,
    narrows: Narrows = (),
    clickable: bool = True,
    picker: Mapping[str, Changes] | None = None,
    picker_from: pl.DataFrame | None = None,
    picker_labels: str | Sequence[str] | None = None,
    picker_label: str | None = None,
    table: pl.DataFrame | None = None,
    note: str | None = None,
    **figure: Any,
) -> None:
    """One chart as a page shows it: the figure, its CSV, and drill-down on the axes it `narrows`.

    Each narrowed axis's values come from its registered chart column (or the column `narrows`
    maps it to); the picker lists `picker_from` (default: `frame`) labelled by `picker_labels`, unless
    a ready `picker` is given. `clickable=False`: the figure cannot carry the values (the picker can)."""
    columns = resolve_narrows(narrows)
    if columns and clickable:
        figure["custom"] = list(columns.values())
    if picker is None and columns:
        picker = build_narrowing(frame if picker_from is None else picker_from, columns, picker_labels)
    show_chart(
        make_figure(draw, frame, **figure),
        key=key,
        table=frame if table is None else table,
        name=name,
        filters=get_filters(),
        drill_fields=list(columns) if clickable else (),
        picker=picker,
        picker_label=picker_label or (describe_narrowing(columns) if columns else "Narrow to…"),
        note=note,
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


def build_trial_href(nct_id: str, filters: TrialFilters) -> str:
    """Link to the Trial page for one trial, carrying the filters so a new tab shows the same view."""
    return f"{TRIAL_PAGE}?{build_view_query(filters, nct=nct_id)}"


def build_view_query(filters: TrialFilters, **page_params: str) -> str:
    """The query string of the current view (filters plus page parameters such as nct)."""
    params = [(k, v) for k, v in page_params.items() if v]
    params += [(key, value) for key, values in filters.to_query_params().items() for value in values]
    return urlencode(params)


def add_trial_links(frame: pl.DataFrame, filters: TrialFilters) -> pl.DataFrame:
    """`frame` with `trial_page`: a link to the Trial page for the row's nct_id, carrying the filters."""
    rest = urlencode([(k, v) for k, values in filters.to_query_params().items() for v in values])
    return frame.with_columns(
        (pl.lit(f"{TRIAL_PAGE}?nct=") + pl.col("nct_id") + pl.lit(f"&{rest}" if rest else "")).alias(
            "trial_page"
        )
    )
