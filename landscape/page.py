"""What every page starts with: the current filters and a guard for a missing database."""

from __future__ import annotations

import streamlit as st

from landscape.filters import TrialFilters

CURRENT_FILTERS = "_current_filters"


def get_filters() -> TrialFilters:
    """The filters the sidebar produced in this run."""
    return st.session_state.get(CURRENT_FILTERS) or TrialFilters()
