"""Plotly figures with the dashboard's shared look: titles, axis units, stable colours."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl

STATUS_GROUP_COLORS: dict[str, str] = {
    "open": "#2a9d8f",
    "active, not recruiting": "#e9c46a",
    "closed": "#8d99ae",
    "unknown": "#d3d3d3",
}
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "height": 380, "title_x": 0.0}


def draw_bar(
    frame: pl.DataFrame,
    x: str,
    y: str,
    title: str,
    x_title: str,
    y_title: str,
    color: str | None = None,
    color_map: dict[str, str] | None = None,
    horizontal: bool = False,
) -> go.Figure:
    """A titled bar chart with labelled axes; colours stay fixed per category across pages."""
    fig = px.bar(
        frame.to_pandas() if frame.height else frame.to_dict(as_series=False),
        x=y if horizontal else x,
        y=x if horizontal else y,
        color=color,
        color_discrete_map=color_map or {},
        orientation="h" if horizontal else "v",
        title=title,
    )
    fig.update_layout(
        **_LAYOUT,
        xaxis_title=y_title if horizontal else x_title,
        yaxis_title=x_title if horizontal else y_title,
        legend_title_text="",
    )
    if horizontal:
        fig.update_yaxes(categoryorder="total ascending")
    return fig
