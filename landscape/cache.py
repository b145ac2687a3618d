"""Cached query calls for pages: results are keyed by the database file version and the arguments."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from landscape.db import FileStamp, Warehouse, open_warehouse

T = TypeVar("T")


@st.cache_data(max_entries=2000, show_spinner=False)
def _run_cached(module: str, name: str, stamp: FileStamp, args: tuple, kwargs: tuple) -> Any:
    # The stamp is part of the key, so a swapped-in database never serves stale results.
    del stamp
    function = getattr(importlib.import_module(module), name)
    return function(open_warehouse(), *args, **dict(kwargs))


def run_query(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a query function `function(warehouse, *args, **kwargs)` through the cache."""
    wh: Warehouse = open_warehouse()
    return _run_cached(function.__module__, function.__name__, wh.stamp, args, tuple(sorted(kwargs.items())))
