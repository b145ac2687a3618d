"""Exports that every chart offers: its numbers as CSV and the figure as PNG or SVG."""

from __future__ import annotations

import re
from typing import Any

import polars as pl
import streamlit as st

from landscape.export import write_csv
from landscape.filters import TrialFilters

IMAGE_FORMATS: tuple[str, ...] = ("PNG", "SVG")
_FORMAT_KEY = "chart_image_format"
_STEM = "car-autoimmune"


def select_image_format() -> str:
    """A small switch for the format the chart toolbar's camera button saves (kept across pages)."""
    choice = st.segmented_control(
        "Chart images save as",
        IMAGE_FORMATS,
        default="PNG",
        required=True,
        key=_FORMAT_KEY,
        persist_state="session",
        help="The camera button above each chart downloads it in this format.",
    )
    return choice or "PNG"


def read_image_format() -> str:
    """The format chosen with select_image_format (PNG until the reader picks another)."""
    return st.session_state.get(_FORMAT_KEY) or "PNG"


def name_chart_file(name: str, filters: TrialFilters) -> str:
    """A file name stem for one chart's downloads, e.g. car-autoimmune_trials-per-target_filtered."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return f"{_STEM}_{slug}_{'all' if filters.is_empty() else 'filtered'}"


def make_chart_config(file_stem: str, image_format: str) -> dict[str, Any]:
    """Plotly's toolbar config: the camera button saves file_stem.png or .svg."""
    fmt = image_format.lower() if image_format.upper() in IMAGE_FORMATS else "png"
    return {
        "displaylogo": False,
        # PNG at twice the screen size stays sharp on slides; SVG scales by itself.
        "toImageButtonOptions": {"format": fmt, "filename": file_stem, "scale": 2 if fmt == "png" else 1},
    }


def offer_csv_download(frame: pl.DataFrame, file_stem: str, key: str, label: str = "CSV") -> None:
    """A download button with the table behind a chart (built only when clicked)."""
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
