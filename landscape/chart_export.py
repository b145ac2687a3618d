"""Exports that every chart offers, each keeping its context: the figure as PNG or SVG carries a caption
(active filters in words, n trials, data date, source line), and its numbers as CSV are named after the
chart, the data date and the filters, with the same provenance sidecar as the trial export.

Plotly's toolbar camera saves the figure as drawn, and its config cannot add anything to the image,
so the caption is part of the figure (a copy of the cached one), like Our World in Data's charts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from landscape.chart_text import escape_plotly_text, wrap_lines
from landscape.export import ExportProvenance, name_data_and_filters, write_about_text, write_csv
from landscape.filters import LIST_PARAMS, TrialFilters

IMAGE_FORMATS: tuple[str, ...] = ("PNG", "SVG")
IMAGE_SCALE = 2
_FORMAT_KEY = "chart_image_format"
_STEM = "car-autoimmune"
APP_NAME = "CAR-autoimmune landscape"
SOURCE_NAME = "ClinicalTrials.gov"

# Filter fields in a reader's words (singular labels; values are listed after them).
FILTER_WORDS: dict[str, str] = {
    "targets": "Target",
    "constructs": "Construct",
    "modalities": "Modality",
    "condition_families": "Condition family",
    "condition_entities": "Condition",
    "sponsors": "Lead sponsor",
    "sponsor_classes": "Sponsor class",
    "phases": "Phase",
    "status_groups": "Status",
    "countries": "Country",
    "products": "Product",
}
_CAPTION_LINE_PX = 15
_CAPTION_CHARS = 50  # characters per caption line: fits a half-width chart at 1024 px


@dataclass(frozen=True)
class ChartContext:
    """What a chart shows beyond its own numbers: the filters, how many trials, and from which data."""

    filters: TrialFilters
    trial_count: int | None = None
    data_timestamp: str | None = None
    refresh: Mapping[str, object] = field(default_factory=dict)
    measure_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def data_date(self) -> str | None:
        """The data date as YYYY-MM-DD (or as stated, when shorter)."""
        return self.data_timestamp[:10] if self.data_timestamp else None


def describe_filters_in_words(filters: TrialFilters, measure_labels: Mapping[str, str] | None = None) -> str:
    """The active filters as a reader would say them, e.g. 'Target: CD19 or BCMA; Status: open'."""
    parts: list[str] = []
    for attr in LIST_PARAMS:
        values = getattr(filters, attr)
        if values:
            parts.append(f"{FILTER_WORDS.get(attr, attr)}: {' or '.join(values)}")
    lo, hi = filters.start_year_min, filters.start_year_max
    if lo is not None and hi is not None:
        parts.append(f"Start year: {lo}–{hi}")
    elif lo is not None:
        parts.append(f"Start year: {lo} or later")
    elif hi is not None:
        parts.append(f"Start year: {hi} or earlier")
    if filters.search_text:
        parts.append(f"Text contains “{filters.search_text}”")
    if filters.patient_age_years is not None:
        parts.append(f"Admits a patient aged {_number(filters.patient_age_years)}")
    labels = measure_labels or {}
    for measure, value in filters.patient_values:
        name = labels.get(measure) or measure.replace("_", " ")
        parts.append(f"Admits a patient with {name} = {_number(value)}")
    return "; ".join(parts) if parts else "none (all trials)"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def write_source_line(data_date: str | None) -> str:
    """'Source: ClinicalTrials.gov, data as of 2026-08-22; CAR-autoimmune landscape'."""
    return f"Source: {SOURCE_NAME}, data as of {data_date or 'unknown date'}; {APP_NAME}"


def write_caption_lines(context: ChartContext) -> list[str]:
    """The caption under an exported chart: filters in words, n trials, then the source line."""
    count = "n = unknown" if context.trial_count is None else f"n = {context.trial_count:,} trials"
    filters = f"Filters: {describe_filters_in_words(context.filters, context.measure_labels)}"
    lines = wrap_lines(f"{count}. {filters}", _CAPTION_CHARS, max_lines=8)
    return [*lines, *wrap_lines(write_source_line(context.data_date), _CAPTION_CHARS, max_lines=3)]


def add_export_caption(fig: go.Figure, context: ChartContext) -> go.Figure:
    """A copy of the figure whose subtitle ends with the caption lines (the original is untouched, as
    it may be shared from the figure cache).

    The caption sits under the title, not along the bottom: Plotly places annotations only relative
    to the plot area, whose distance from the bottom edge depends on the tick labels, while the title
    block is anchored to the top of the image for every kind of chart (treemaps and maps included).
    """
    lines = write_caption_lines(context)
    spec = fig.to_dict()
    layout: dict[str, Any] = spec.setdefault("layout", {})
    title = dict(layout.get("title") or {})
    subtitle = dict(title.get("subtitle") or {})
    had_subtitle = bool(subtitle.get("text"))
    caption = "<br>".join(
        f"<span style='font-size:11px;color:#666'>{escape_plotly_text(line)}</span>" for line in lines
    )
    subtitle["text"] = f"{subtitle['text']}<br>{caption}" if subtitle.get("text") else caption
    subtitle.setdefault("font", {"size": 12, "color": "#555"})
    title.update(subtitle=subtitle, yref="container", y=1, yanchor="top", pad={"t": 12})
    extra = _CAPTION_LINE_PX * len(lines)
    margin = dict(layout.get("margin") or {})
    # A subtitle already had its room; the caption's first line also needs the subtitle's gap.
    margin["t"] = int(margin.get("t", 64)) + extra + (0 if had_subtitle else 16)
    layout.update(title=title, margin=margin, height=int(layout.get("height") or 450) + extra)
    return go.Figure(spec, _validate=False)


def read_chart_context(filters: TrialFilters) -> ChartContext:
    """The context for this run's charts: trial count under the filters and the latest load's data date."""
    from landscape.cache import run_query
    from landscape.queries.eligibility_options import read_measure_labels
    from landscape.queries.methods import read_latest_refresh
    from landscape.queries.overview import count_trials

    refresh = run_query(read_latest_refresh)
    labels = run_query(read_measure_labels) if filters.patient_values else {}
    return ChartContext(
        filters=filters,
        trial_count=run_query(count_trials, filters),
        data_timestamp=str(refresh.get("data_timestamp") or "") or None,
        refresh=refresh,
        measure_labels=labels,
    )


def select_image_format() -> str:
    """A small switch for the format the chart toolbar's camera button saves (kept across pages)."""
    choice = st.segmented_control(
        "Chart images save as",
        IMAGE_FORMATS,
        default="PNG",
        required=True,
        key=_FORMAT_KEY,
        persist_state="session",
        help="The camera button above each chart downloads it in this format, with its filters, "
        "trial count, data date and source written under it.",
    )
    return choice or "PNG"


def read_image_format() -> str:
    """The format chosen with select_image_format (PNG until the reader picks another)."""
    return st.session_state.get(_FORMAT_KEY) or "PNG"


def name_chart_file(name: str, filters: TrialFilters, data_timestamp: str | None = None) -> str:
    """A file name stem for one chart's downloads, named after the chart, the data date and the filters,
    e.g. car-autoimmune_trials-per-target_data-2026-08-22_target-CD19 (as the trial export is)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return f"{_STEM}_{slug}_{name_data_and_filters(data_timestamp, filters)}"


def make_chart_config(file_stem: str, image_format: str) -> dict[str, Any]:
    """Plotly's toolbar config: the camera button saves file_stem.png or .svg at twice the screen size."""
    fmt = image_format.lower() if image_format.upper() in IMAGE_FORMATS else "png"
    return {
        "displaylogo": False,
        # Twice the screen size stays sharp on slides; an SVG at that size is simply drawn larger.
        "toImageButtonOptions": {"format": fmt, "filename": file_stem, "scale": IMAGE_SCALE},
    }


def write_chart_about(title: str, frame: pl.DataFrame, context: ChartContext) -> str:
    """The provenance sidecar of a chart's CSV: the trial export's fields, titled after the chart."""
    refresh = context.refresh
    count = "unknown" if context.trial_count is None else f"{context.trial_count:,}"
    prov = ExportProvenance(
        filters=context.filters,
        data_timestamp=context.data_timestamp,
        source=_text(refresh.get("source")),
        query=_text(refresh.get("query")),
        fetched_at=_text(refresh.get("fetched_at")),
        loaded_at=_text(refresh.get("loaded_at")),
        exported_at=datetime.now(UTC),
        row_count=frame.height,
        title=f"{title} (the numbers behind the chart; {count} trials match the filters)",
    )
    about = write_about_text(prov, {name: str(dtype) for name, dtype in frame.schema.items()})
    words = describe_filters_in_words(context.filters, context.measure_labels)
    return about + f"\nfilters in words: {words}\n{write_source_line(context.data_date)}\n"


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def read_figure_title(fig: go.Figure) -> str:
    """The figure's title text (for file contents), '' when it has none."""
    title = fig.layout.title
    return str(title.text or "") if title is not None else ""


def offer_csv_download(
    frame: pl.DataFrame,
    file_stem: str,
    key: str,
    label: str = "CSV",
    *,
    about: Callable[[], str] | str | None = None,
) -> None:
    """A download button with the table behind a chart (built only when clicked) and, when `about`
    is given, its provenance sidecar as file_stem-about.txt beside it."""
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            label,
            data=lambda: write_csv(frame),
            file_name=f"{file_stem}.csv",
            mime="text/csv",
            key=key,
            icon=":material/download:",
            on_click="ignore",
            help="The numbers behind this chart, under the current filters",
        )
        if about is not None:
            st.download_button(
                "About",
                data=about,
                file_name=f"{file_stem}-about.txt",
                mime="text/plain",
                key=f"{key}_about",
                on_click="ignore",
                type="tertiary",
                icon=":material/info:",
                help="Where these numbers come from: filters, data date, source and query",
            )
