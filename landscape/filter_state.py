"""The session's one TrialFilters: read by every page, changed only by callbacks (widgets, chart clicks).

Callbacks run before the script, so a change made here is what the whole next run sees: the sidebar
draws it, the page queries it and the address mirrors it, with no second run. Widgets never own the
filters; they are redrawn from this value on every run, so a widget Streamlit forgets (a page switch,
a widget whose option labels changed) cannot drop a filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import streamlit as st

from landscape.axes import LIST_AXES_BY_NAME
from landscape.filters import TrialFilters

_STATE = "_trial_filters"


def read_filters() -> TrialFilters:
    """The filters in force for this run."""
    return st.session_state.get(_STATE) or TrialFilters()


def has_filters() -> bool:
    """True once this session's filters were set (from the address on its first run)."""
    return _STATE in st.session_state


def write_filters(filters: TrialFilters) -> None:
    """Replace the filters (call from a callback, or before the sidebar is drawn)."""
    st.session_state[_STATE] = filters


def narrow(changes: Mapping[str, Iterable[str]], known: Mapping[str, Iterable[str]] | None = None) -> bool:
    """Set list axes to the given values (a chart click or 'narrow to' pick); False when nothing changed.

    Values not among `known[axis]` (when given) are dropped: a multiselect cannot hold them."""
    updates: dict[str, tuple[str, ...]] = {}
    for name, values in changes.items():
        if name not in LIST_AXES_BY_NAME:
            raise ValueError(f"not a list filter: {name}")
        allowed = None if known is None or name not in known else set(known[name])
        kept = tuple(dict.fromkeys(v for v in values if allowed is None or v in allowed))
        if kept:
            updates[name] = kept
    current = read_filters()
    narrowed = replace(current, **updates) if updates else current
    write_filters(narrowed)
    return narrowed != current
