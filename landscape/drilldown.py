"""Chart drill-down: a click on a bar, cell or point, or a pick from the list beside a chart, narrows
the filters to it (in the same callback path as the sidebar's widgets, so no extra run).

Which column of a chart's frame holds an axis's values comes from the axis registry
(`ListAxis.chart_column`), so a page names the axes a chart narrows and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl
import streamlit as st

from landscape.axes import LIST_AXES_BY_NAME
from landscape.filters import LIST_PARAMS
from landscape.sidebar import narrow_filters

# Several values for one filter travel in one customdata string, joined with this.
VALUE_SEPARATOR = "|"
# Bumped on every drill-down so charts start without the old selection highlighted.
_GENERATION = "_drilldown_generation"

# Filter changes a picker option stands for: filter name -> values.
Changes = dict[str, list[str]]
# The axes a chart narrows: names (each read from its registered chart column), or name -> column.
Narrows = Sequence[str] | Mapping[str, str]


def resolve_narrows(narrows: Narrows) -> dict[str, str]:
    """axis name -> the frame column holding its values (the registry's unless the chart says other)."""
    if isinstance(narrows, Mapping):
        return dict(narrows)
    return {name: LIST_AXES_BY_NAME[name].chart_column for name in narrows}


def chart_generation() -> int:
    """Part of every drill-down chart's key: a new chart (no old selection) after each drill-down."""
    return st.session_state.get(_GENERATION, 0)


def _request(changes: Changes) -> None:
    """Narrow the filters now (this runs as a widget callback, before the next run's script)."""
    cleaned = {name: values for name, values in changes.items() if name in LIST_PARAMS and values}
    if cleaned:
        st.session_state[_GENERATION] = chart_generation() + 1
        narrow_filters(cleaned)


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


def on_chart_select(chart_key: str, fields: tuple[str, ...]) -> None:
    """Callback of a drill-down chart: narrow to the points the reader clicked or boxed."""
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


def build_narrowing(
    frame: pl.DataFrame, narrows: Narrows, labels: str | Sequence[str] | None = None
) -> dict[str, Changes]:
    """Picker entries for a chart that narrows `narrows`: one per row, labelled by the `labels`
    column(s) (default: the narrowed columns) joined with ' · '."""
    columns = resolve_narrows(narrows)
    names = [labels] if isinstance(labels, str) else list(labels or columns.values())
    if len(names) == 1:
        return build_picker_options(frame, names[0], columns)
    joined = pl.concat_str([pl.col(n).cast(pl.String) for n in names], separator=" · ").alias("_pick_label")
    return build_picker_options(frame.with_columns(joined), "_pick_label", columns)


def describe_narrowing(narrows: Narrows) -> str:
    """'Narrow to phase · status…' for the axes a chart narrows."""
    labels = (LIST_AXES_BY_NAME[name].label.lower() for name in resolve_narrows(narrows))
    return "Narrow to " + " · ".join(labels) + "…"


def offer_narrowing(
    options: Mapping[str, Changes], *, key: str, label: str = "Narrow to…", hint: str = ""
) -> None:
    """A 'narrow to' list: choosing an entry sets the filters it stands for."""
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
