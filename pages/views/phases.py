"""Phases & status: phase x status, status by start year, stalled trials, planned completions, enrollment."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar, draw_box_stats
from landscape.colors import PHASE_COLORS, STATUS_GROUP_COLORS, STATUS_GROUP_ORDER
from landscape.page import (
    STARTS_PER_YEAR,
    add_trial_links,
    open_page,
    show_chart_block,
    show_empty,
    show_table,
)
from landscape.queries.phases import (
    count_completions_by_year,
    count_phase_status,
    count_span_coverage,
    count_status_by_start_year,
    list_stalled_trials,
    read_data_date,
    read_enrollment_stats_by_phase,
)
from landscape.queries.shaping import order_phase_labels


def _status_picker(frame: pl.DataFrame) -> dict[str, dict[str, list[str]]]:
    present = set(frame["status_group"].to_list())
    return {s: {"status_groups": [s]} for s in STATUS_GROUP_ORDER if s in present}


filters, coverage = open_page(
    "Phases & status",
    "How far trials have got, which are still recruiting, which have stalled, and when they plan to finish.",
    count_span_coverage,
)
data_date = run_query(read_data_date)

left, right = st.columns(2)
with left:
    phase_status = run_query(count_phase_status, filters)
    phase_order = order_phase_labels(phase_status)
    show_chart_block(
        draw_bar,
        phase_status,
        key="phases_phase_status",
        name="phase by status",
        picker_from=phase_status.sort("phase_rank", "status_group").with_columns(
            (pl.col("phase_label") + " · " + pl.col("status_group")).alias("cell")
        ),
        picker_labels="cell",
        narrows=["phases", "status_groups"],
        x="phase_label",
        y="trial_count",
        title="Phase × status",
        x_title="Phase",
        y_title="Trials",
        color="status_group",
        color_map=STATUS_GROUP_COLORS,
        color_order=STATUS_GROUP_ORDER,
        category_order=phase_order,
        horizontal=True,
    )
with right:
    by_year = run_query(count_status_by_start_year, filters)
    if by_year.is_empty():
        show_empty("None of these trials states a start date.")
    else:
        show_chart_block(
            draw_bar,
            by_year,
            key="phases_status_year",
            name="status by start year",
            narrows=["status_groups"],
            picker=_status_picker(by_year),
            title="Status by start year",
            **STARTS_PER_YEAR,
            color="status_group",
            color_map=STATUS_GROUP_COLORS,
            color_order=STATUS_GROUP_ORDER,
            subtitle=f"{coverage['with_start']:,} of {coverage['trials']:,} trials state a start date",
        )

st.subheader("Stalled trials")
stalled = run_query(list_stalled_trials, filters)
as_of = f" as of {data_date:%d %B %Y}" if data_date else ""
st.caption(
    f"Still recruiting three or more years after their start date{as_of}: {coverage['stalled']:,} of "
    f"{coverage['trials']:,} trials ({coverage['with_start']:,} state a start date)"
    + (
        f"; the {stalled.height:,} longest-running are listed."
        if stalled.height < coverage["stalled"]
        else "."
    )
)
if stalled.is_empty():
    show_empty("No stalled trials among these trials.")
else:
    show_table(
        stalled,
        key="phases_stalled",
        name="stalled trials",
        filters=filters,
        shown=add_trial_links(stalled, filters).select(
            "trial_page",
            "brief_title",
            "target",
            "sponsor_name",
            "phase_label",
            "start_date",
            "years_since_start",
        ),
        column_config={
            "trial_page": st.column_config.LinkColumn("Trial", display_text=r"nct=(NCT\d+)"),
            "brief_title": st.column_config.TextColumn("Title", width="large"),
            "target": "Target",
            "sponsor_name": "Lead sponsor",
            "phase_label": "Phase",
            "start_date": st.column_config.DateColumn("Start"),
            "years_since_start": st.column_config.NumberColumn("Years since start", format="%.1f"),
        },
    )

left, right = st.columns(2)
with left:
    completions = run_query(count_completions_by_year, filters)
    if completions.is_empty():
        show_empty("None of these trials states a completion date.")
    else:
        show_chart_block(
            draw_bar,
            completions,
            key="phases_completions",
            name="completion timeline",
            narrows=["status_groups"],
            picker=_status_picker(completions),
            note="Open trials with a completion year in the past have overrun their registered plan.",
            x="completion_year",
            y="trial_count",
            title="Completion timeline",
            x_title="Planned (or actual) completion year",
            y_title="Trials",
            color="status_group",
            color_map=STATUS_GROUP_COLORS,
            color_order=STATUS_GROUP_ORDER,
            subtitle=f"{coverage['with_completion']:,} of {coverage['trials']:,} trials state one",
        )
with right:
    enrollment = run_query(read_enrollment_stats_by_phase, filters)
    if enrollment.is_empty():
        show_empty("None of these trials states an enrollment.")
    else:
        enrollment_order = order_phase_labels(enrollment)
        ordered = (
            enrollment.with_columns(
                pl.col("phase_label")
                .replace_strict({p: i for i, p in enumerate(enrollment_order)}, return_dtype=pl.Int32)
                .alias("_order")
            )
            .sort("_order")
            .drop("_order")
        )
        show_chart_block(
            draw_box_stats,
            ordered,
            key="phases_enrollment",
            name="enrollment per phase",
            clickable=False,
            narrows=["phases"],
            x="phase_label",
            title="Enrollment per phase",
            x_title="Phase",
            y_title="Participants per trial",
            color_map=PHASE_COLORS,
            subtitle=f"{coverage['with_enrollment']:,} of {coverage['trials']:,} trials state an "
            "enrollment; box = middle half, line = median",
        )
