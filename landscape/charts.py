"""Plotly figures with the dashboard's shared look: titles, axis units, stable colours, clickable points.

Figures are written as plain Plotly specs (dicts) and wrapped without Plotly's per-property validation:
validating a figure costs 10-20 ms, more than the cached query behind it, and a page draws several
after every filter change. tests/test_queries_landscape.py validates every builder's output instead.
Points carry `customdata` with the filter values they stand for, so landscape.drilldown can narrow the
filters when one is clicked. Every text a figure shows (category ticks, legend entries, hovers, titles)
passes through landscape.chart_text.escape_plotly_text here, so registry text is never read as markup;
customdata stays raw, because it holds filter values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go
import polars as pl

from etl.schema import PHASE_RANKS
from landscape.chart_text import escape_plotly_text, shorten_label, wrap_label
from landscape.colors import (
    OTHER_COLOR,
    STATUS_GROUP_COLORS,
    interpolate_scale,
    pick_stable_color,
    pick_text_color,
    resolve_sequential_scale,
)
from landscape.geo import load_world_outline

__all__ = ["STATUS_GROUP_COLORS", "draw_bar", "shorten_label"]

_FONT = {"family": "Source Sans Pro, Arial, sans-serif", "size": 13}
_MARGIN = {"l": 10, "r": 10, "t": 64, "b": 10}
_GRID = "#eeeeee"
_DEFAULT_HEIGHT = 380
_ROW_HEIGHT = 26  # per category on horizontal charts, so labels never overlap
_WRAPPED_ROW_HEIGHT = 36  # per category whose label wraps onto two lines
_LABEL_WIDTH = 30  # characters per line of a category label beside horizontal bars
_COLUMN_LABEL_WIDTH = 16  # characters per line of a label under a vertical bar or heatmap column
_NEUTRAL = "#4c78a8"
_MIN_SLOTS = 4

# Phase ranks as stored in the warehouse (etl/schema.py PHASE_RANKS) and their axis labels.
PHASE_RANK_LABELS: dict[int, str] = {
    0: "Not stated / N/A",
    **{rank: label for label, rank in PHASE_RANKS.items() if rank},
}

Spec = dict[str, Any]


def _esc(text: object) -> str:
    return escape_plotly_text(text)


def _hover(text: object) -> str:
    """Escaped hover text; a page's line breaks (newline or <br>) stay breaks."""
    return escape_plotly_text(text, keep_breaks=True)


def label_categories(values: Sequence[object], width: int, max_lines: int = 2) -> dict[object, str]:
    """Category -> escaped axis label wrapped at word boundaries (numbers stay numbers).

    Two categories that would wrap to the same text get invisible distinct endings, so Plotly never
    merges them into one bar; the full text is in every hover.
    """
    labels: dict[object, str] = {}
    seen: set[str] = set()
    for value in dict.fromkeys(values):
        if isinstance(value, int | float) and not isinstance(value, bool):
            labels[value] = value  # type: ignore[assignment]
            continue
        label = wrap_label(value, width, max_lines)
        while label in seen:
            label += "\u200b"
        seen.add(label)
        labels[value] = label
    return labels


def _row_height(labels: Iterable[object]) -> int:
    wrapped = any("<br>" in str(label) for label in labels)
    return _WRAPPED_ROW_HEIGHT if wrapped else _ROW_HEIGHT


def pick_year_step(first: object, last: object) -> int:
    """Tick spacing for a year axis: every year for short spans, every 2 or 5 years for long ones."""
    span = int(last) - int(first) if isinstance(first, int) and isinstance(last, int) else 0
    return 1 if span <= 12 else 2 if span <= 24 else 5


def size_for_rows(count: int, minimum: int = 240, extra: int = 110, row_height: int = _ROW_HEIGHT) -> int:
    """Chart height for `count` horizontal categories."""
    return max(minimum, extra + row_height * count)


def lighten_color(hex_color: str, amount: float) -> str:
    """A '#rrggbb' colour mixed with white (amount 0 = unchanged, 1 = white)."""
    value = hex_color.lstrip("#")
    if len(value) != 6:
        return hex_color
    channels = [int(value[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in channels)


def _color(group: object, color_map: Mapping[str, str] | None) -> str:
    return (color_map or {}).get(str(group)) or pick_stable_color(str(group), {})


def _axis(title: str = "", **extra: Any) -> Spec:
    return {
        "title": {"text": _esc(title)},
        "showgrid": True,
        "gridcolor": _GRID,
        "zeroline": False,
        "automargin": True,
        **extra,
    }


def _figure(
    data: list[Spec],
    layout: Spec,
    title: str,
    height: int,
    subtitle: str | None = None,
    legend_below: bool = False,
) -> go.Figure:
    """Wrap a spec in a Figure with the shared title, margins, font and legend (no validation pass)."""
    title_spec: Spec = {"text": _hover(title), "x": 0.0, "xanchor": "left"}
    if subtitle:
        title_spec["subtitle"] = {"text": _hover(subtitle), "font": {"size": 12, "color": "#555"}}
    margin = {**_MARGIN, "t": 84} if subtitle else dict(_MARGIN)
    legend: Spec = {"title": {"text": ""}, "traceorder": "normal"}
    if legend_below:
        # A legend under the plot leaves its full width to the bars and their labels; it spans the
        # whole figure (not just the plot area beside long axis labels), about three entries a row.
        rows = max(1, -(-sum(1 for trace in data if trace.get("showlegend", True)) // 3))
        legend.update(
            orientation="h",
            xref="container",
            x=0.01,
            xanchor="left",
            yref="container",
            y=0,
            yanchor="bottom",
            entrywidth=150,
        )
        margin["b"] = 44 + 22 * rows
        height += 20 + 22 * rows
    _merge_other_entries(data)
    legend.update(layout.pop("legend", {}))
    margin.update(layout.pop("margin", {}))
    full = {
        "title": title_spec,
        "height": height,
        "margin": margin,
        "font": _FONT,
        "legend": legend,
        "hoverlabel": {"align": "left"},
        "plot_bgcolor": "white",
        "clickmode": "event+select",
        **layout,
    }
    return go.Figure({"data": data, "layout": full}, _validate=False)


def _merge_other_entries(data: list[Spec]) -> None:
    """Traces drawn in OTHER_COLOR share one legend entry, "other", instead of several grey ones."""
    others = [
        t
        for t in data
        if t.get("showlegend", True)
        and OTHER_COLOR in ((t.get("marker") or {}).get("color"), (t.get("line") or {}).get("color"))
    ]
    if len(others) < 2:
        return
    for index, trace in enumerate(others):
        trace["legendgroup"] = "other"
        trace["showlegend"] = index == 0
        if index == 0:
            trace["name"] = "other"


def _customdata(frame: pl.DataFrame, columns: Sequence[str]) -> list[list[str]] | None:
    if not columns:
        return None
    cols = [frame[c].cast(pl.String).fill_null("").to_list() for c in columns]
    return [list(values) for values in zip(*cols, strict=True)]


def _ordered(values: Sequence[object], order: Sequence[object] | None) -> list[object]:
    present = list(dict.fromkeys(values))
    if order is None:
        return present
    ranked = [v for v in order if v in set(present)]
    return ranked + [v for v in present if v not in set(ranked)]


def order_groups_by_count(
    frame: pl.DataFrame, group: str, weight: str | None, order: Sequence[object] | None, how: str = "sum"
) -> list[object]:
    """Legend order: the page's explicit order (for ordered scales such as phase or status), else by
    count, largest first (ties by name). weight is the column summed (or its max, for cumulative lines);
    None counts rows."""
    if order is not None or frame.is_empty():
        return _ordered(frame[group].to_list(), order)
    amount = pl.len() if weight is None else pl.col(weight).max() if how == "max" else pl.col(weight).sum()
    totals = frame.group_by(group).agg(amount.alias("_total"))
    ranked = sorted(
        totals.iter_rows(), key=lambda row: (-(row[1] or 0), "" if row[0] is None else str(row[0]))
    )
    return [row[0] for row in ranked]


def _with_custom(trace: Spec, frame: pl.DataFrame, custom: Sequence[str]) -> Spec:
    data = _customdata(frame, custom)
    if data is not None:
        trace["customdata"] = data
    return trace


def draw_bar(
    frame: pl.DataFrame,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_map: Mapping[str, str] | None = None,
    horizontal: bool = False,
    *,
    custom: Sequence[str] = (),
    category_order: Sequence[object] | None = None,
    color_order: Sequence[object] | None = None,
    subtitle: str | None = None,
    height: int | None = None,
    show_totals: bool = True,
    barmode: str = "stack",
) -> go.Figure:
    """A titled bar chart with labelled axes; stacked (or grouped) by `color`, whose colours stay fixed.

    x is the category column and y the value column (for horizontal bars too: categories then run
    down the y axis). custom names the columns carried as customdata for drill-down.
    """
    one_trace_per_bar = color is None or color == x
    groups = [None] if color is None else order_groups_by_count(frame, color, y, color_order)
    categories = _ordered(frame[x].to_list(), category_order)
    labels = label_categories(categories, _LABEL_WIDTH if horizontal else _COLUMN_LABEL_WIDTH)
    value_ref = "x" if horizontal else "y"
    data: list[Spec] = []
    for group in groups:
        part = frame if group is None else frame.filter(pl.col(color) == group)
        if part.is_empty():
            continue
        cats = part[x].to_list()
        shown = [labels[c] for c in cats]
        values = part[y].to_list()
        trace: Spec = {
            "type": "bar",
            "x": values if horizontal else shown,
            "y": shown if horizontal else values,
            "orientation": "h" if horizontal else "v",
            "name": "" if group is None else _esc(group),
            "marker": {"color": _NEUTRAL if group is None else _color(group, color_map)},
            # Registry text goes into hovertext (escaped), never into the template, where "%{" is code.
            "hovertext": [_esc(c) if group is None else f"{_esc(c)}<br>{_esc(group)}" for c in cats],
            "hovertemplate": f"%{{hovertext}}<br>{_esc(y_title)}: %{{{value_ref}:,}}<extra></extra>",
            # Colour repeats the category axis when one trace draws each bar: no legend needed.
            "showlegend": not one_trace_per_bar,
        }
        if show_totals and one_trace_per_bar:
            trace.update(texttemplate=f"%{{{value_ref}:,}}", textposition="outside", cliponaxis=False)
        data.append(_with_custom(trace, part, custom))
    axis_order = [labels[c] for c in categories]
    category_axis = _axis(x_title)
    value_axis = _axis(y_title)
    if horizontal:
        if category_order is None:
            category_axis["categoryorder"] = "total ascending"
        else:
            category_axis.update(categoryorder="array", categoryarray=list(reversed(axis_order)))
    else:
        if category_order is not None:
            category_axis.update(categoryorder="array", categoryarray=axis_order)
        if frame.height and frame[x].dtype.is_integer():
            category_axis.update(dtick=pick_year_step(frame[x].min(), frame[x].max()), tickformat="d")
    if show_totals and one_trace_per_bar and frame.height:
        # Plotly does not widen the value axis for text outside the bars: leave room for the numbers.
        top = max((v for v in frame[y].to_list() if v is not None), default=0) or 1
        value_axis["range"] = [0, top * (1.18 if horizontal else 1.12)]
        if top <= 8 and frame[y].dtype.is_integer():
            value_axis["dtick"] = 1  # whole-number ticks for small counts (no "0.5 trials")
    if 0 < len(categories) < _MIN_SLOTS:
        # Keep a lone bar from filling the whole plot: reserve room for a few categories.
        spare = _MIN_SLOTS - len(categories)
        category_axis["range"] = (
            [-spare - 0.5, len(categories) - 0.5] if horizontal else [-0.5, len(categories) + spare - 0.5]
        )
    layout: Spec = {
        "barmode": barmode,
        "bargap": 0.25,
        "xaxis": value_axis if horizontal else category_axis,
        "yaxis": category_axis if horizontal else value_axis,
    }
    default_height = (
        size_for_rows(len(categories), row_height=_row_height(labels.values()))
        if horizontal
        else _DEFAULT_HEIGHT
    )
    return _figure(
        data, layout, title, height or default_height, subtitle, legend_below=not one_trace_per_bar
    )


def draw_matrix(
    frame: pl.DataFrame,
    x: str,
    y: str,
    value: str,
    title: str,
    x_title: str,
    y_title: str,
    *,
    x_order: Sequence[object] | None = None,
    y_order: Sequence[object] | None = None,
    custom: Sequence[str] = (),
    value_title: str = "Trials",
    subtitle: str | None = None,
    colorscale: str = "Blues",
) -> go.Figure:
    """A heatmap of counts with each cell's number written in it; cells are clickable for drill-down.

    colorscale names one of landscape.colors.SEQUENTIAL_SCALES ("Blues", "Greens", "Purples",
    "Oranges"); the figure carries it as an explicit light-to-dark list from zero to the largest
    count, so the fullest cell is the darkest. Each number is dark or white by its cell's lightness.
    Plotly heatmap cells cannot be selected, so an invisible marker sits on each filled cell to carry
    the click and its customdata.
    """
    xs = _ordered(frame[x].to_list(), x_order)
    ys = _ordered(frame[y].to_list(), y_order)
    x_index = {v: i for i, v in enumerate(xs)}
    y_index = {v: i for i, v in enumerate(ys)}
    grid: list[list[float | None]] = [[None] * len(xs) for _ in ys]
    counts = frame[value].to_list()
    for xv, yv, count in zip(frame[x].to_list(), frame[y].to_list(), counts, strict=True):
        grid[y_index[yv]][x_index[xv]] = count
    # Many columns are narrow at 1024 px: upright one-line labels (cut between words) never overlap.
    many_columns = len(xs) > 8
    x_map = label_categories(xs, 22 if many_columns else _COLUMN_LABEL_WIDTH + 4, 1 if many_columns else 2)
    y_map = label_categories(ys, _LABEL_WIDTH)
    x_labels = [x_map[v] for v in xs]
    y_labels = [y_map[v] for v in ys]
    max_z = max((v for v in counts if v is not None), default=0)
    scale = resolve_sequential_scale(colorscale)
    heat: Spec = {
        "type": "heatmap",
        "z": grid,
        "x": x_labels,
        "y": y_labels,
        "colorscale": scale,
        # From zero, so a pale cell means few trials, not merely the fewest of those shown.
        "zmin": 0,
        "zmax": max(max_z, 1),
        "colorbar": {"title": {"text": _esc(value_title)}, "thickness": 12},
        "hoverongaps": False,
        "hoverinfo": "skip",
        "xgap": 2,
        "ygap": 2,
    }
    cell_colors = [interpolate_scale(scale, (v or 0) / max(max_z, 1)) for v in counts]
    marks: Spec = {
        "type": "scatter",
        "x": [x_map[v] for v in frame[x].to_list()],
        "y": [y_map[v] for v in frame[y].to_list()],
        "mode": "markers+text",
        "text": [str(v) for v in counts],
        # Each number in whichever of dark or white contrasts more with its own cell.
        "textfont": {"size": 11, "color": [pick_text_color(c) for c in cell_colors]},
        "marker": {"size": 18, "opacity": 0, "color": "#000"},
        "hovertext": [
            f"{_esc(a)} × {_esc(b)}" for a, b in zip(frame[y].to_list(), frame[x].to_list(), strict=True)
        ],
        "hovertemplate": f"%{{hovertext}}<br>{_esc(value_title)}: %{{text}}<extra></extra>",
        "showlegend": False,
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
    }
    layout: Spec = {
        "xaxis": _axis(
            x_title,
            categoryorder="array",
            categoryarray=x_labels,
            tickangle=-90 if many_columns else -40,
            side="bottom",
            showgrid=False,
        ),
        "yaxis": _axis(
            y_title, categoryorder="array", categoryarray=list(reversed(y_labels)), showgrid=False
        ),
    }
    longest = max((len(line) for v in x_labels for line in str(v).split("<br>")), default=0)
    row_height = 34 if any("<br>" in str(v) for v in y_labels) else 28
    height = max(300, 150 + row_height * len(ys) + 6 * longest)
    return _figure([heat, _with_custom(marks, frame, custom)], layout, title, height, subtitle)


def draw_lines(
    frame: pl.DataFrame,
    x: str,
    y: str,
    color: str,
    title: str,
    x_title: str,
    y_title: str,
    *,
    color_map: Mapping[str, str] | None = None,
    color_order: Sequence[object] | None = None,
    custom: Sequence[str] = (),
    subtitle: str | None = None,
) -> go.Figure:
    """One line with markers per `color` group (e.g. cumulative trials per target by year)."""
    data: list[Spec] = []
    for group in order_groups_by_count(frame, color, y, color_order, how="max"):
        part = frame.filter(pl.col(color) == group).sort(x)
        trace: Spec = {
            "type": "scatter",
            "x": part[x].to_list(),
            "y": part[y].to_list(),
            "mode": "lines+markers",
            "name": _esc(group),
            "line": {"color": _color(group, color_map), "width": 2},
            "marker": {"color": _color(group, color_map)},
            "hovertext": [_esc(group)] * part.height,
            "hovertemplate": f"%{{hovertext}}<br>{_esc(x_title)}: %{{x}}<br>{_esc(y_title)}: %{{y:,}}"
            "<extra></extra>",
        }
        data.append(_with_custom(trace, part, custom))
    x_axis = _axis(x_title)
    if frame.height and frame[x].dtype.is_integer():
        x_axis.update(dtick=pick_year_step(frame[x].min(), frame[x].max()), tickformat="d")
    return _figure(data, {"xaxis": x_axis, "yaxis": _axis(y_title)}, title, _DEFAULT_HEIGHT, subtitle)


def draw_treemap(
    frame: pl.DataFrame,
    parent: str,
    child: str,
    value: str,
    title: str,
    *,
    color_map: Mapping[str, str] | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """A two-level treemap (e.g. condition family -> condition), sized by `value`, coloured by parent."""
    parents = frame.group_by(parent).agg(pl.col(value).sum()).sort([value, parent], descending=[True, False])
    parent_names = parents[parent].to_list()
    # Ids are never shown, but escaped like the labels so nothing in the figure reads as markup.
    ids = [f"p:{_esc(p)}" for p in parent_names] + [
        f"c:{_esc(p)}/{_esc(c)}" for p, c in frame.select(parent, child).iter_rows()
    ]
    labels = [_esc(p) for p in parent_names] + [_esc(c) for c in frame[child].to_list()]
    tree_parents = [""] * parents.height + [f"p:{_esc(p)}" for p in frame[parent].to_list()]
    # Conditions are a lighter shade of their family, so family blocks stay recognisable.
    colors = [_color(p, color_map) for p in parent_names]
    colors += [lighten_color(_color(p, color_map), 0.3) for p in frame[parent].to_list()]
    trace: Spec = {
        "type": "treemap",
        "ids": ids,
        "labels": labels,
        "parents": tree_parents,
        "values": parents[value].to_list() + frame[value].to_list(),
        "branchvalues": "total",
        "marker": {"colors": colors, "line": {"width": 1, "color": "white"}},
        "texttemplate": "%{label}<br>%{value:,}",
        "hovertemplate": "%{label}<br>Trials: %{value:,}<extra></extra>",
        "tiling": {"pad": 2},
        "pathbar": {"visible": True},
    }
    return _figure([trace], {}, title, 460, subtitle)


def draw_box_stats(
    frame: pl.DataFrame,
    x: str,
    title: str,
    x_title: str,
    y_title: str,
    *,
    subtitle: str | None = None,
    color_map: Mapping[str, str] | None = None,
) -> go.Figure:
    """Box plots from precomputed statistics (columns lo, q1, median, q3, hi, n): no row-level data needed."""
    data: list[Spec] = []
    for row in frame.iter_rows(named=True):
        label = str(row[x])
        data.append(
            {
                "type": "box",
                "x": [_esc(label)],
                "lowerfence": [row["lo"]],
                "q1": [row["q1"]],
                "median": [row["median"]],
                "q3": [row["q3"]],
                "upperfence": [row["hi"]],
                "name": _esc(label),
                "marker": {"color": (color_map or {}).get(label, _NEUTRAL)},
                "showlegend": False,
                "hoverinfo": "y",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": [_esc(v) for v in frame[x].to_list()],
            "y": frame["hi"].to_list(),
            "mode": "text",
            "text": [f"n={n:,}" for n in frame["n"].to_list()],
            "textposition": "top center",
            "showlegend": False,
            "hoverinfo": "skip",
        }
    )
    y_axis = _axis(y_title)
    if frame.height:
        # Headroom for the n= labels above the whiskers.
        y_axis["range"] = [0, float(frame["hi"].max() or 1) * 1.15]
    return _figure(data, {"xaxis": _axis(x_title), "yaxis": y_axis}, title, _DEFAULT_HEIGHT, subtitle)


def draw_gantt(
    frame: pl.DataFrame,
    title: str,
    *,
    color: str,
    color_map: Mapping[str, str] | None = None,
    color_order: Sequence[object] | None = None,
    as_of: date | None = None,
    custom: Sequence[str] = (),
    subtitle: str | None = None,
) -> go.Figure:
    """Horizontal bars from start to planned completion, one row per trial (columns label, start, finish,
    finish_known, hover); rows without a planned completion run to `as_of`, hatched."""
    data: list[Spec] = []
    row_order = [_esc(v) for v in frame["label"].to_list()]
    for group in order_groups_by_count(frame, color, None, color_order):
        part = frame.filter(pl.col(color) == group)
        starts = part["start"].to_list()
        finishes = part["finish"].to_list()
        trace: Spec = {
            "type": "bar",
            "y": [_esc(v) for v in part["label"].to_list()],
            "x": [(f - s).days * 86_400_000 for s, f in zip(starts, finishes, strict=True)],
            "base": [s.isoformat() for s in starts],
            "orientation": "h",
            "name": _esc(group),
            "marker": {
                "color": _color(group, color_map),
                "pattern": {"shape": ["" if k else "/" for k in part["finish_known"].to_list()]},
            },
            "hovertext": [_hover(v) for v in part["hover"].to_list()],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
        data.append(_with_custom(trace, part, custom))
    layout: Spec = {
        "barmode": "overlay",
        "bargap": 0.3,
        "xaxis": _axis("Start to planned completion (calendar year)", type="date", side="top"),
        "yaxis": _axis(
            "", categoryorder="array", categoryarray=list(reversed(row_order)), tickfont={"size": 11}
        ),
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top"},
        # The date axis sits on top, under the title: leave it room.
        "margin": {"t": (84 if subtitle else 64) + 40},
    }
    if as_of is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "x0": as_of.isoformat(),
                "x1": as_of.isoformat(),
                "y0": 0,
                "y1": 1,
                "xref": "x",
                "yref": "paper",
                "line": {"color": "#555", "dash": "dot", "width": 1},
            }
        ]
        layout["annotations"] = [
            {
                "x": as_of.isoformat(),
                "y": 1,
                "xref": "x",
                "yref": "paper",
                "text": "data date",
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 11, "color": "#555"},
            }
        ]
    return _figure(data, layout, title, max(320, 140 + 18 * len(row_order)), subtitle)


def draw_site_map(points: pl.DataFrame, title: str, *, subtitle: str | None = None) -> go.Figure:
    """Points over the bundled world outline: nothing is fetched (no map tiles, no topojson), so the map
    works offline. points: lon, lat, size_value, kind ('site' or 'centre'), hover, country."""
    outline = load_world_outline()
    # One line trace (rings separated by gaps) is a single SVG path: cheap to draw, no WebGL needed.
    data: list[Spec] = [
        {
            "type": "scatter",
            "x": list(outline.lon),
            "y": list(outline.lat),
            "mode": "lines",
            "line": {"color": "#b0b7bf", "width": 0.6},
            "hoverinfo": "skip",
            "showlegend": False,
            "connectgaps": False,
        }
    ]
    kinds = {
        "site": ("Sites with coordinates", "#d62728", "circle"),
        "centre": ("Country centre (no site coordinates)", "#1f77b4", "circle-open"),
    }
    biggest = max(points["size_value"].max() or 1, 1) if points.height else 1
    for kind, (name, colour, symbol) in kinds.items():
        part = points.filter(pl.col("kind") == kind)
        if part.is_empty():
            continue
        trace: Spec = {
            "type": "scatter",
            "x": part["lon"].to_list(),
            "y": part["lat"].to_list(),
            "mode": "markers",
            "name": name,
            "marker": {
                # Area grows with the count; a few single sites stay small dots, not big discs.
                "size": [7 + 25 * (v / max(biggest, 25)) ** 0.5 for v in part["size_value"].to_list()],
                "color": colour,
                "symbol": symbol,
                "opacity": 0.75,
                "line": {"width": 2 if symbol.endswith("open") else 0.5, "color": colour},
            },
            "hovertext": [_hover(v) for v in part["hover"].to_list()],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
        data.append(_with_custom(trace, part, ["country"]))
    layout: Spec = {
        "xaxis": {"range": [-170, 190], "showgrid": False, "visible": False, "constrain": "domain"},
        "yaxis": {
            "range": [-58, 84],
            "showgrid": False,
            "visible": False,
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        "legend": {"orientation": "h", "y": -0.02, "yanchor": "top"},
    }
    return _figure(data, layout, title, 520, subtitle)


def draw_pipeline(
    frame: pl.DataFrame,
    label: str,
    rank: str,
    phase: str,
    color: str,
    title: str,
    *,
    color_map: Mapping[str, str] | None = None,
    custom: Sequence[str] = (),
    hover: str | None = None,
    subtitle: str | None = None,
) -> go.Figure:
    """A development pipeline: one bar per row (e.g. product) reaching its furthest phase, top row first."""
    data: list[Spec] = []
    label_map = label_categories(frame[label].to_list(), _LABEL_WIDTH)
    row_labels = [label_map[v] for v in frame[label].to_list()]
    for group in order_groups_by_count(frame, color, None, None):
        part = frame.filter(pl.col(color) == group)
        trace: Spec = {
            "type": "bar",
            "y": [label_map[v] for v in part[label].to_list()],
            # Rank 0 (no phase) still gets a stub, so every product is visible.
            "x": [int(r or 0) + 1 for r in part[rank].to_list()],
            "orientation": "h",
            "name": _esc(group),
            "marker": {"color": _color(group, color_map)},
            "text": [_esc(v) for v in part[phase].to_list()],
            "textposition": "inside",
            "insidetextanchor": "end",
            "hovertext": [_hover(v) for v in (part[hover] if hover else part[label]).to_list()],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
        data.append(_with_custom(trace, part, custom))
    max_rank = max([int(r or 0) for r in frame[rank].to_list()] + [6])
    layout: Spec = {
        "barmode": "overlay",
        "bargap": 0.25,
        "xaxis": _axis(
            "Furthest phase reached",
            tickvals=[r + 1 for r in range(max_rank + 1)],
            ticktext=[PHASE_RANK_LABELS.get(r, str(r)) for r in range(max_rank + 1)],
            range=[0, max_rank + 1.5],
            tickangle=-30,
        ),
        "yaxis": _axis("", categoryorder="array", categoryarray=list(reversed(row_labels))),
        "legend": {"title": {"text": "Target"}},
    }
    height = size_for_rows(len(row_labels), extra=150, row_height=_row_height(row_labels))
    return _figure(data, layout, title, height, subtitle)


def draw_ranges(
    frame: pl.DataFrame,
    label: str,
    low: str,
    high: str,
    color: str,
    title: str,
    x_title: str,
    *,
    open_high: float,
    color_map: Mapping[str, str] | None = None,
    color_order: Sequence[object] | None = None,
    count: str | None = None,
    custom: Sequence[str] = (),
    subtitle: str | None = None,
) -> go.Figure:
    """One horizontal segment per row from `low` to `high` (e.g. an age window); a missing high runs to
    `open_high` and a missing low starts at 0. Rows keep the frame's order, top first."""
    data: list[Spec] = []
    label_map = label_categories(frame[label].to_list(), _LABEL_WIDTH)
    row_labels = [label_map[v] for v in frame[label].to_list()]
    for group in order_groups_by_count(frame, color, count, color_order):
        part = frame.filter(pl.col(color) == group)
        lows = [0.0 if v is None else float(v) for v in part[low].to_list()]
        highs = [open_high if v is None else float(v) for v in part[high].to_list()]
        counts = part[count].to_list() if count else [None] * part.height
        trace: Spec = {
            "type": "bar",
            "y": [label_map[v] for v in part[label].to_list()],
            "x": [max(h - lo, 0.4) for lo, h in zip(lows, highs, strict=True)],
            "base": lows,
            "orientation": "h",
            "name": _esc(group),
            "marker": {"color": _color(group, color_map)},
            "text": [("" if n is None else f"{n:,} trial" + ("" if n == 1 else "s")) for n in counts],
            "textposition": "outside",
            "cliponaxis": False,
            "hovertext": [_esc(v) for v in part[label].to_list()],
            "hovertemplate": "%{hovertext}: %{text}<extra></extra>",
        }
        data.append(_with_custom(trace, part, custom))
    layout: Spec = {
        "barmode": "overlay",
        "bargap": 0.3,
        # Room right of the longest bars for their "n trials" labels.
        "xaxis": _axis(x_title, range=[0, open_high * 1.25]),
        "yaxis": _axis("", categoryorder="array", categoryarray=list(reversed(row_labels))),
    }
    return _figure(
        data, layout, title, size_for_rows(len(row_labels), row_height=_row_height(row_labels)), subtitle
    )
