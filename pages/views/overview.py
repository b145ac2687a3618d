"""Overview: headline numbers, starts by target, status and phase mix, top conditions, latest trials."""

import polars as pl
import streamlit as st

from landscape.cache import run_query
from landscape.charts import draw_bar
from landscape.colors import (
    PHASE_COLORS,
    STATUS_GROUP_COLORS,
    STATUS_GROUP_ORDER,
    map_family_colors,
    map_target_colors,
)
from landscape.page import STARTS_PER_YEAR, add_trial_links, open_page, show_chart_block, show_empty
from landscape.queries.overview import (
    count_trial_starts_by_year_and_target,
    count_trials_by_condition,
    count_trials_by_phase,
    count_trials_by_status,
    list_recently_updated_trials,
    read_headline_numbers,
)
from landscape.queries.shaping import order_phase_labels

filters, numbers = open_page(
    "CAR-based cell therapy in autoimmune disease",
    "Who is testing which CAR target in which autoimmune disease, and how far each program has got. "
    "Click a bar, or pick it from the list under a chart, to narrow every page to those trials.",
    read_headline_numbers,
)


def _share(part: int, whole: int, what: str) -> str:
    return f"{part:,} of {whole:,} trials state {what}."


cols = st.columns(6)
cols[0].metric("Trials", f"{numbers['trials']:,}")
cols[1].metric(
    "Open trials",
    f"{numbers['open_trials']:,}",
    help="Recruiting, not yet recruiting or enrolling by invitation.",
)
cols[2].metric(
    "Planned enrollment",
    f"{numbers['planned_enrollment']:,}",
    help="Participants, summed over registered (estimated or actual) enrollment. "
    + _share(numbers["trials_with_enrollment"], numbers["trials"], "an enrollment"),
)
cols[3].metric(
    "Countries",
    numbers["countries"],
    help=_share(numbers["trials_with_country"], numbers["trials"], "a country"),
)
cols[4].metric(
    "Lead sponsors",
    numbers["sponsors"],
    help=_share(numbers["trials_with_sponsor"], numbers["trials"], "a lead sponsor"),
)
cols[5].metric(
    "Target antigens",
    numbers["targets"],
    help=_share(numbers["trials_with_target"], numbers["trials"], "a target antigen"),
)

left, right = st.columns(2)
with left:
    starts = run_query(count_trial_starts_by_year_and_target, filters)
    if starts.is_empty():
        show_empty("None of these trials states a start date.")
    else:
        totals = (
            starts.group_by("target")
            .agg(pl.col("trial_count").sum())
            .sort(["trial_count", "target"], descending=[True, False])
        )
        order = [t for t in totals["target"].to_list() if t != "other"] + ["other"]
        dated = int(starts["trial_count"].sum())
        show_chart_block(
            draw_bar,
            starts,
            key="overview_starts",
            name="trial starts per year by target",
            narrows={"constructs": "target_values"},
            picker_from=totals.join(starts.unique("target").select("target", "target_values"), on="target"),
            picker_labels="target",
            picker_label="Narrow to target…",
            title="Trial starts per year, by target",
            **STARTS_PER_YEAR,
            color="target",
            color_map=map_target_colors(order),
            color_order=order,
            subtitle=f"{dated:,} of {numbers['trials']:,} trials state a start date; rarer targets: 'other'",
        )
with right:
    by_status = run_query(count_trials_by_status, filters)
    show_chart_block(
        draw_bar,
        by_status,
        key="overview_status",
        name="trials by status",
        narrows=["status_groups"],
        note="Open = recruiting, not yet recruiting or enrolling by invitation; closed = completed, "
        "terminated, withdrawn or suspended.",
        x="status_group",
        y="trial_count",
        title="Status mix",
        x_title="Status",
        y_title="Trials",
        color="status_group",
        color_map=STATUS_GROUP_COLORS,
        color_order=STATUS_GROUP_ORDER,
        category_order=STATUS_GROUP_ORDER,
        horizontal=True,
    )

left, right = st.columns(2)
with left:
    by_phase = run_query(count_trials_by_phase, filters)
    phase_order = order_phase_labels(by_phase)
    show_chart_block(
        draw_bar,
        by_phase,
        key="overview_phase",
        name="trials by phase",
        narrows=["phases"],
        x="phase_label",
        y="trial_count",
        title="Phase mix",
        x_title="Phase",
        y_title="Trials",
        color="phase_label",
        color_map=PHASE_COLORS,
        color_order=phase_order,
        category_order=phase_order,
        horizontal=True,
    )
with right:
    conditions = run_query(count_trials_by_condition, filters)
    if conditions.is_empty():
        show_empty("None of these trials names a classified condition.")
    else:
        show_chart_block(
            draw_bar,
            conditions,
            key="overview_conditions",
            name="top conditions",
            narrows=["condition_entities"],
            x="condition_entity",
            y="trial_count",
            title="Top conditions",
            x_title="Condition",
            y_title="Trials",
            color="condition_family",
            color_map=map_family_colors(conditions["condition_family"].unique(maintain_order=True).to_list()),
            horizontal=True,
            subtitle="Coloured by condition family; a trial naming several conditions counts under each",
            height=max(380, 110 + 26 * conditions.height),
        )

st.subheader("Most recently updated trials")
recent = run_query(list_recently_updated_trials, filters)
dated_updates = recent["last_update_date"].is_not_null().sum()
st.dataframe(
    add_trial_links(recent, filters).select(
        "trial_page", "brief_title", "target", "phase_label", "status_group", "last_update_date", "start_date"
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "trial_page": st.column_config.LinkColumn("Trial", display_text=r"nct=(NCT\d+)"),
        "brief_title": st.column_config.TextColumn("Title", width="large"),
        "target": "Target",
        "phase_label": "Phase",
        "status_group": "Status",
        "last_update_date": st.column_config.DateColumn("Last update posted"),
        "start_date": st.column_config.DateColumn("Start"),
    },
)
if dated_updates < recent.height:
    st.caption(
        f"The registry's last-update date is recorded for {dated_updates:,} of these "
        f"{recent.height:,} trials; the rest follow by start date, newest first."
    )
