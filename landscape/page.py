"""What every page starts with: the current filters, links that keep them, and safe text helpers."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import polars as pl

from landscape.filter_state import read_filters
from landscape.filters import TrialFilters

# Relative to the app's own address, so links keep working under a base path or a proxy.
TRIAL_PAGE = "trial"

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def get_filters() -> TrialFilters:
    """The filters in force for this run (the sidebar drew them)."""
    return read_filters()


def escape_markdown(text: object) -> str:
    """Registry text made inert for st.markdown/st.title: every markdown (and HTML) character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


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
